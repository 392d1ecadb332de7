"""One-statement updates that keep django-simple-history's record, for hot paths.

`Model.save()` with simple-history is three round trips and most of a millisecond of Python on the hot paths
(the UPDATE, then the post_save signal building and inserting the historical row). This module writes the same
historical row — every tracked column from the updated row, `history_type` "~", the date, the change reason and
the user — in the UPDATE's own statement (`WITH changed AS (UPDATE … RETURNING *) INSERT … SELECT … FROM changed`),
and lets the caller add one more statement over `changed` (an event row, say).
"""

from functools import cache

from django.db import connection

HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def tracked_columns(model) -> tuple[str, ...]:
    """The model's columns that its historical model copies (all of them unless excluded)."""
    historical = {field.column for field in model.history.model._meta.concrete_fields}
    return tuple(field.column for field in model._meta.concrete_fields if field.column in historical)


@cache
def _update_sql(model, attnames: tuple[str, ...], then: str) -> str:
    meta = model._meta
    assignments = ", ".join(f"{_quote(meta.get_field(name).column)} = %s" for name in attnames)
    columns = tracked_columns(model)
    history_table = _quote(model.history.model._meta.db_table)
    return (
        f"WITH changed AS (UPDATE {_quote(meta.db_table)} SET {assignments} "  # noqa: S608 - identifiers from model metadata
        f"WHERE {_quote(meta.pk.column)} = %s RETURNING *), "
        f"history AS (INSERT INTO {history_table} ({', '.join(map(_quote, (*columns, *HISTORY_COLUMNS)))}) "
        f"SELECT {', '.join(map(_quote, columns))}, %s, %s, '~', %s FROM changed) "
        f"{then}"
    )


def update_with_history(
    instance, fields: list[str], *, now, change_reason: str, user_id: int | None, then: str, then_params: list
) -> int:
    """UPDATE the instance's `fields` (their current values on the instance), write its historical row, then run
    `then` — a statement that may read `changed` — with `then_params`. Returns the rowcount of `then`.
    The instance's auto_now fields are the caller's to set."""
    meta = type(instance)._meta
    attnames = tuple(meta.get_field(name).attname for name in fields)
    values = [meta.get_field(name).get_db_prep_save(getattr(instance, attname), connection)
              for name, attname in zip(fields, attnames, strict=True)]
    sql = _update_sql(type(instance), tuple(fields), then)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk, now, change_reason[:100], user_id, *then_params])
        return cursor.rowcount
