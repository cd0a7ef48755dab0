"""What response shapes share: rows that keep their members' order, open rows, and numbers that keep
their JSON type."""

from __future__ import annotations

from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

# An int stays an int and a float a float (a plain `float` field would turn 3 into 3.0).
Number = int | float


class OrderedModel(BaseModel):
    """A shape whose answer lists its members in the order the data came in.

    A model writes its declared fields first; the features' rows order their columns their own way
    (a table's order, a frame's), and the answer keeps that order as it was before it had a model.
    """

    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        if isinstance(data, dict):
            model._order = tuple(data)
        return model

    @model_serializer(mode="wrap")
    def _in_given_order(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)
        if not self._order or not isinstance(out, dict):
            return out
        rank = {k: i for i, k in enumerate(self._order)}
        return dict(sorted(out.items(), key=lambda kv: rank.get(kv[0], len(rank))))


class OpenModel(OrderedModel):
    """A row whose documented fields are typed and whose other columns pass through unchanged.

    Used where the columns come from a table or a result frame that may gain columns (a new KPI
    dimension, a new metric of a stored result): the answer keeps them rather than dropping them.
    """

    model_config = ConfigDict(extra="allow")
