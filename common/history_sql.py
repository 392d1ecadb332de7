"""One-statement updates that keep django-simple-history's record, for hot paths.

`Model.save()` with simple-history is three round trips and most of a millisecond of Python on the hot paths
(the UPDATE, then the post_save signal building and inserting the historical row). This module writes the same
historical row — every tracked column from the updated row, `history_type` "~", the date, the change reason and
the user — in the UPDATE's own statement:

    WITH target AS (<which rows, locked>), changed AS (UPDATE … FROM target … RETURNING *),
         history AS (INSERT INTO <historical table> SELECT … FROM changed) <then>

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
def update_sql(model, fields: tuple[str, ...], target: str, then: str) -> str:
    """The statement; its parameters are `target`'s, then one per field, then history date, reason and user,
    then `then`'s. `target` must yield the primary key as `id`."""
    meta = model._meta
    table = _quote(meta.db_table)
    assignments = ", ".join(f"{_quote(meta.get_field(name).column)} = %s" for name in fields)
    columns = tracked_columns(model)
    history_table = _quote(model.history.model._meta.db_table)
    return (
        f"WITH target AS ({target}), "  # noqa: S608 - identifiers from model metadata
        f"changed AS (UPDATE {table} SET {assignments} FROM target "
        f"WHERE {table}.{_quote(meta.pk.column)} = target.id RETURNING {table}.*), "
        f"history AS (INSERT INTO {history_table} ({', '.join(map(_quote, (*columns, *HISTORY_COLUMNS)))}) "
        f"SELECT {', '.join(map(_quote, columns))}, %s, %s, '~', %s FROM changed) "
        f"{then}"
    )


def db_values(model, changes: dict) -> list:
    """The changes' values as the database takes them (a model instance for a foreign key becomes its id)."""
    values = []
    for name, value in changes.items():
        field = model._meta.get_field(name)
        if field.is_relation and value is not None and hasattr(value, "pk"):
            value = value.pk
        values.append(field.get_db_prep_save(value, connection))
    return values


def update_with_history(
    model, changes: dict, *, target: str, target_params: list, now, change_reason: str, user_id: int | None,
    then: str, then_params: list,
) -> None:
    """Run the statement (`then` is a data-modifying statement over `changed`, e.g. the event row)."""
    sql = update_sql(model, tuple(changes), target, then)
    params = [*target_params, *db_values(model, changes), now, change_reason[:100], user_id, *then_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def instances_from_rows(model, columns: list[str], rows) -> list[object]:
    """Model instances from raw rows of the model's table (`SELECT *` / `RETURNING *`: the table's column order,
    which is not the model's field order that `from_db` expects for full rows)."""
    fields = model._meta.concrete_fields
    position = {column: index for index, column in enumerate(columns)}
    order = [position[field.column] for field in fields]
    attnames = [field.attname for field in fields]
    return [model.from_db(connection.alias, attnames, [row[i] for i in order]) for row in rows]
