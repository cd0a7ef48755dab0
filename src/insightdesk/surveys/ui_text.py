"""The response page's and the email's fixed words, built in for a few languages.

A definition may add or override any of them under `ui:` (`ui: {de: {submit: Absenden}}`); a survey
in a language with neither a built-in nor its own text cannot be published (logic.missing_translations).
"""

from __future__ import annotations

from collections.abc import Mapping

UI_KEYS = (
    "next",
    "submit",
    "required",
    "thanks",
    "open_survey",
    "unsubscribe",
    "unsubscribed",
    "link_used",
    "link_expired",
    "link_invalid",
    "scale_low",
    "scale_high",
    "optional",
)

BUILT_IN: dict[str, dict[str, str]] = {
    "en": {
        "next": "Next",
        "submit": "Send my answers",
        "required": "Please answer this question.",
        "thanks": "Thank you: your answers have been received.",
        "open_survey": "Answer the survey",
        "unsubscribe": "Do not send me surveys",
        "unsubscribed": "You will not receive surveys from us any more.",
        "link_used": "This survey has already been answered. Thank you.",
        "link_expired": "This survey link has expired.",
        "link_invalid": "This survey link is not valid. Please use the link from your message.",
        "scale_low": "Not at all",
        "scale_high": "Completely",
        "optional": "optional",
    },
    "de": {
        "next": "Weiter",
        "submit": "Antworten senden",
        "required": "Bitte beantworten Sie diese Frage.",
        "thanks": "Vielen Dank: Ihre Antworten sind angekommen.",
        "open_survey": "Zur Umfrage",
        "unsubscribe": "Keine Umfragen mehr erhalten",
        "unsubscribed": "Sie erhalten keine Umfragen mehr von uns.",
        "link_used": "Diese Umfrage wurde bereits beantwortet. Vielen Dank.",
        "link_expired": "Dieser Umfragelink ist abgelaufen.",
        "link_invalid": "Dieser Umfragelink ist ungültig. Bitte nutzen Sie den Link aus Ihrer Nachricht.",
        "scale_low": "Überhaupt nicht",
        "scale_high": "Voll und ganz",
        "optional": "freiwillig",
    },
    "fr": {
        "next": "Suivant",
        "submit": "Envoyer mes réponses",
        "required": "Merci de répondre à cette question.",
        "thanks": "Merci : vos réponses ont bien été reçues.",
        "open_survey": "Répondre à l'enquête",
        "unsubscribe": "Ne plus recevoir d'enquêtes",
        "unsubscribed": "Vous ne recevrez plus d'enquêtes de notre part.",
        "link_used": "Cette enquête a déjà reçu une réponse. Merci.",
        "link_expired": "Ce lien d'enquête a expiré.",
        "link_invalid": "Ce lien d'enquête n'est pas valide. Utilisez le lien de votre message.",
        "scale_low": "Pas du tout",
        "scale_high": "Tout à fait",
        "optional": "facultatif",
    },
    "es": {
        "next": "Siguiente",
        "submit": "Enviar mis respuestas",
        "required": "Responda a esta pregunta, por favor.",
        "thanks": "Gracias: hemos recibido sus respuestas.",
        "open_survey": "Responder la encuesta",
        "unsubscribe": "No quiero recibir encuestas",
        "unsubscribed": "Ya no recibirá encuestas nuestras.",
        "link_used": "Esta encuesta ya se ha respondido. Gracias.",
        "link_expired": "Este enlace de encuesta ha caducado.",
        "link_invalid": "Este enlace de encuesta no es válido. Use el enlace de su mensaje.",
        "scale_low": "Nada",
        "scale_high": "Totalmente",
        "optional": "opcional",
    },
    "nl": {
        "next": "Volgende",
        "submit": "Antwoorden versturen",
        "required": "Beantwoord deze vraag alstublieft.",
        "thanks": "Dank u: uw antwoorden zijn ontvangen.",
        "open_survey": "Naar de enquête",
        "unsubscribe": "Geen enquêtes meer ontvangen",
        "unsubscribed": "U ontvangt geen enquêtes meer van ons.",
        "link_used": "Deze enquête is al beantwoord. Dank u.",
        "link_expired": "Deze enquêtelink is verlopen.",
        "link_invalid": "Deze enquêtelink is ongeldig. Gebruik de link uit uw bericht.",
        "scale_low": "Helemaal niet",
        "scale_high": "Helemaal",
        "optional": "optioneel",
    },
}


def ui_text(overrides: Mapping[str, Mapping[str, str]], language: str, key: str) -> str | None:
    """The word for `key` in `language`: the definition's own, else the built-in one, else None."""
    own = (overrides.get(language) or {}).get(key)
    return own if own else BUILT_IN.get(language, {}).get(key)


def ui_words(overrides: Mapping[str, Mapping[str, str]], language: str) -> dict[str, str]:
    """Every fixed word in `language`, English where a word is missing (never for a published survey)."""
    return {key: ui_text(overrides, language, key) or BUILT_IN["en"][key] for key in UI_KEYS}
