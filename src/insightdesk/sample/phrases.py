"""Themes of the synthetic desk and the phrase banks its texts are built from.

Phrase banks are written for this project (no third-party text), one set per theme, so that a
theme's tickets and survey comments share recognisable words that text analytics can cluster on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    key: str
    category: str
    subcategory: str
    product: str
    weight: float  # relative share of tickets
    team: str  # specialist (L2) team that takes escalations
    escalation: float  # chance an L1 intake escalates it
    issue: tuple[str, ...]  # sentences a customer writes about it
    negative: tuple[str, ...]  # survey comments of unhappy customers
    positive: tuple[str, ...]  # survey comments of happy customers


THEMES: tuple[Theme, ...] = (
    Theme(
        "billing_double_charge",
        "Billing",
        "Double charge",
        "Payments",
        0.03,
        "Billing Specialists",
        0.6,
        (
            "I was charged twice for the same order.",
            "My card shows a double charge for one payment.",
            "You took the payment two times this month.",
        ),
        (
            "Charged twice and still waiting for the refund of the double charge.",
            "The double charge took three contacts to reverse.",
            "Nobody could explain why I was billed twice.",
        ),
        ("The double charge was refunded the same day.", "Quick fix for the duplicate payment, thanks."),
    ),
    Theme(
        "billing_invoice",
        "Billing",
        "Invoice error",
        "Payments",
        0.07,
        "Billing Specialists",
        0.4,
        (
            "The amount on my invoice is wrong.",
            "My invoice lists a plan I never ordered.",
            "I need a corrected invoice for my accounts team.",
        ),
        ("The invoice is still wrong after two corrections.", "Getting a correct invoice was far too slow."),
        ("Corrected invoice arrived quickly.", "Clear explanation of the invoice, thank you."),
    ),
    Theme(
        "refund_request",
        "Billing",
        "Refund",
        "Payments",
        0.06,
        "Billing Specialists",
        0.35,
        (
            "I returned the item and want my money back.",
            "Please refund my cancelled subscription.",
            "Where is the refund you promised last week?",
        ),
        ("The refund took weeks and nobody kept me updated.", "I had to chase my refund again and again."),
        ("Refund processed without any fuss.", "Money back within two days, great service."),
    ),
    Theme(
        "password_reset",
        "Account",
        "Password reset",
        "Customer portal",
        0.10,
        "Accounts & Access",
        0.1,
        (
            "I cannot reset my password.",
            "The password reset email never arrives.",
            "The reset link says it has expired.",
        ),
        ("Resetting a password should not take a day.", "The reset link still does not work."),
        ("Password reset done in minutes.", "The agent walked me through the reset, very easy."),
    ),
    Theme(
        "login_failure",
        "Account",
        "Login failure",
        "Customer portal",
        0.08,
        "Accounts & Access",
        0.3,
        (
            "I cannot log in to my account.",
            "Two-factor codes are rejected when I sign in.",
            "The app logs me out every few minutes.",
        ),
        ("Still locked out of my account.", "The login problem keeps coming back."),
        ("Back into my account quickly.", "Login fixed on the first contact."),
    ),
    Theme(
        "late_delivery",
        "Orders",
        "Late delivery",
        "Delivery",
        0.09,
        "Orders & Delivery",
        0.3,
        (
            "My order has not arrived yet.",
            "The parcel is a week late and tracking has not moved.",
            "Delivery was promised for Monday and nothing came.",
        ),
        (
            "The parcel is still missing and nobody knows where it is.",
            "Tracking was useless and the agent too.",
        ),
        ("The agent found my parcel and it arrived next day.", "Delivery problem sorted, thank you."),
    ),
    Theme(
        "damaged_item",
        "Orders",
        "Damaged item",
        "Delivery",
        0.05,
        "Orders & Delivery",
        0.3,
        (
            "The item arrived broken.",
            "The box was crushed and the product is damaged.",
            "One of the parts is cracked.",
        ),
        (
            "I had to send photos three times for a broken item.",
            "Replacement for the damaged item took ages.",
        ),
        ("Replacement sent straight away.", "Easy return of the damaged item."),
    ),
    Theme(
        "app_crash",
        "Technical",
        "App crash",
        "Mobile app",
        0.08,
        "Technical Support",
        0.5,
        (
            "The app crashes when I open it.",
            "The app closes as soon as I tap checkout.",
            "Since the update the app freezes on start.",
        ),
        ("The app still crashes after every suggested fix.", "Told to reinstall the app, which did nothing."),
        ("The app works again after the agent's fix.", "Clear steps, the crash is gone."),
    ),
    Theme(
        "slow_performance",
        "Technical",
        "Performance",
        "Web platform",
        0.06,
        "Technical Support",
        0.5,
        (
            "The website is extremely slow.",
            "Pages take a minute to load.",
            "Reports time out before finishing.",
        ),
        ("The site is still painfully slow.", "No real answer about the slow pages."),
        ("Performance is back to normal.", "They found the cause of the slowness fast."),
    ),
    Theme(
        "data_sync",
        "Technical",
        "Sync error",
        "Integrations",
        0.04,
        "Data & Integrations",
        0.6,
        (
            "My data does not sync between devices.",
            "The export to our system fails every night.",
            "Records are duplicated after the sync.",
        ),
        ("Sync errors for weeks and no fix in sight.", "Escalated twice and the sync is still broken."),
        ("The sync issue was fixed by the specialist team.", "Great technical help with the integration."),
    ),
    Theme(
        "outage",
        "Network",
        "Service outage",
        "Web platform",
        0.04,
        "Network Operations",
        0.7,
        (
            "The service is down for our whole office.",
            "Nothing loads, is there an outage?",
            "We lost access to the platform this morning.",
        ),
        ("The outage lasted far too long with no updates.", "We were not told about the outage at all."),
        ("Good updates during the outage.", "Service restored quickly, well handled."),
    ),
    Theme(
        "plan_change",
        "Account",
        "Plan change",
        "Subscriptions",
        0.07,
        "Billing Specialists",
        0.2,
        (
            "I want to upgrade my plan.",
            "Please downgrade my subscription from next month.",
            "How do I add more users to my plan?",
        ),
        ("Changing my plan was needlessly complicated.", "The plan change was applied wrongly."),
        ("Plan changed in one call.", "Very helpful with choosing the right plan."),
    ),
    Theme(
        "how_to",
        "Product",
        "How-to question",
        "Web platform",
        0.13,
        "Technical Support",
        0.1,
        (
            "How do I export my data?",
            "Where can I change my notification settings?",
            "Is there a guide for setting up the dashboard?",
        ),
        ("The answer did not actually answer my question.", "Sent me a generic article that did not help."),
        ("Clear answer and a useful guide.", "Friendly and knowledgeable agent."),
    ),
    Theme(
        "feature_request",
        "Product",
        "Feature request",
        "Web platform",
        0.04,
        "Platform Engineering",
        0.2,
        (
            "It would be great to have dark mode.",
            "Please add an export to spreadsheet.",
            "Can you support single sign-on?",
        ),
        ("My suggestion was ignored.", "No sign that anyone read my request."),
        ("Thanks for passing my idea to the product team.", "Nice to be listened to."),
    ),
    Theme(
        "cancellation",
        "Account",
        "Cancellation",
        "Subscriptions",
        0.06,
        "Billing Specialists",
        0.25,
        (
            "I want to cancel my account.",
            "Please close my subscription and stop charging me.",
            "How do I cancel before the renewal?",
        ),
        ("Cancelling was made deliberately hard.", "Still charged after I cancelled."),
        ("Cancellation handled politely and quickly.", "No pressure, just cancelled as asked."),
    ),
)

OPENERS = ("Hello,", "Hi,", "Hi team,", "Good morning,", "Dear support,", "Hello there,", "")
CLOSERS = (
    "Please help.",
    "Thanks.",
    "Can you look into this?",
    "This is urgent.",
    "Kind regards.",
    "Thank you in advance.",
    "",
)
DETAILS = (
    "It started yesterday.",
    "This happened twice already.",
    "I tried again this morning.",
    "My colleague has the same problem.",
    "I already contacted you about this.",
    "",
)
AGENT_REPLIES = (
    "Thanks for reaching out, I am looking into this now.",
    "Sorry for the trouble, I have passed this to the right team.",
    "I have fixed this on our side, could you try again?",
    "Thank you for your patience, this is now resolved.",
    "Could you send me a screenshot so I can check?",
)
CUSTOMER_FOLLOW_UPS = (
    "Thanks, that worked.",
    "It is still not working.",
    "Any update on this?",
    "Great, thank you!",
    "I tried that but get the same error.",
)
GENERIC_NEGATIVE = ("Took far too long.", "I had to explain everything again.", "Nobody called me back.")
GENERIC_POSITIVE = ("Fast and friendly.", "Great service.", "Problem solved, thank you.")
