"""DynamoDB (JSON 1.0): PutItem, GetItem, Query and Scan over in-memory tables, enough for
cognito-backup's catalog and checkpoints."""
from __future__ import annotations

import base64
import operator
import re
import threading
from decimal import Decimal

from .errors import ApiError

_DDB = "com.amazonaws.dynamodb.v20120810#"
_HASH_CONDITION = re.compile(r"\s*(#?\w+)\s*=\s*(:\w+)\s*(?:(?i:and)\s+(.+?))?\s*")
_RANGE_CONDITIONS = (
    (re.compile(r"(?i:begins_with)\s*\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)"),
     lambda v, a: isinstance(v, (str, bytes)) and v.startswith(a)),
    (re.compile(r"(#?\w+)\s+(?i:between)\s+(:\w+)\s+(?i:and)\s+(:\w+)"),
     lambda v, a, b: a <= v <= b),
    *((re.compile(rf"(#?\w+)\s*{re.escape(sym)}\s*(:\w+)"), fn)
      for sym, fn in (("<=", operator.le), (">=", operator.ge), ("<", operator.lt),
                      (">", operator.gt), ("=", operator.eq))),
)


# Longest first, so "<=" is not read as "<".
_COMPARISONS = (("<=", operator.le), (">=", operator.ge), ("<>", operator.ne), ("<", operator.lt),
                (">", operator.gt), ("=", operator.eq))


def _invalid(message: str) -> ApiError:
    return ApiError(_DDB + "ValidationException", message)


def _key_value(value) -> tuple | None:
    """A key attribute as a hashable, orderable (type, value); None if not a scalar."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return "S", raw
    if kind == "N":
        return "N", Decimal(raw)
    if kind == "B":
        return "B", base64.b64decode(raw)
    return None


# The key schema of cognito-backup's catalog table, the default for any table.
CATALOG_KEYS = ("user_pool_id", "backup_date")


class DynamoDB:
    """PutItem / GetItem / Query / Scan over in-memory tables. Tables need no CreateTable;
    their key schema comes from `keys` (table -> (hash, range or None)), else CATALOG_KEYS."""

    def __init__(self, keys: dict[str, tuple[str, str | None]]):
        self._keys = keys
        self._tables: dict[str, dict] = {}  # table -> hash key -> range key -> item
        self._lock = threading.Lock()

    def call(self, op: str, body: dict) -> dict:
        handler = {"PutItem": self._put, "GetItem": self._get, "Query": self._query,
                   "Scan": self._scan, "DeleteItem": self._delete}.get(op)
        if handler is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {op}")
        with self._lock:
            return handler(body)

    def _locate(self, table: str, item: dict) -> tuple[dict, tuple | None]:
        """The item's partition (created on demand) and its range key."""
        hash_name, range_name = self._keys.get(table, CATALOG_KEYS)
        hash_key = _key_value(item.get(hash_name))
        range_key = _key_value(item.get(range_name)) if range_name else None
        if hash_key is None or (range_name and range_key is None):
            raise _invalid("One of the required keys was not given a value")
        return self._tables.setdefault(table, {}).setdefault(hash_key, {}), range_key

    def _put(self, body):
        item = body.get("Item", {})
        partition, range_key = self._locate(body.get("TableName", ""), item)
        old = partition.get(range_key)
        self._check(body, old)
        partition[range_key] = item
        return {"Attributes": old} if old and body.get("ReturnValues") == "ALL_OLD" else {}

    def _delete(self, body):
        partition, range_key = self._locate(body.get("TableName", ""), body.get("Key", {}))
        old = partition.get(range_key)
        self._check(body, old)
        partition.pop(range_key, None)
        return {"Attributes": old} if old and body.get("ReturnValues") == "ALL_OLD" else {}

    @staticmethod
    def _check(body: dict, old: dict | None) -> None:
        """ConditionExpression as the backup's lease and catalog writes use it: terms joined by
        OR, each `attribute_not_exists(name)` or `name <op> :value` on a scalar attribute."""
        condition = body.get("ConditionExpression")
        if not condition:
            return
        names, values = body.get("ExpressionAttributeNames", {}), body.get("ExpressionAttributeValues", {})
        def holds(term: str) -> bool:
            if m := re.fullmatch(r"\s*attribute_not_exists\s*\(\s*(#?\w+)\s*\)\s*", term):
                return old is None or names.get(m[1], m[1]) not in old
            for symbol, test in _COMPARISONS:
                if m := re.fullmatch(rf"\s*(#?\w+)\s*{re.escape(symbol)}\s*(:\w+)\s*", term):
                    have, want = _key_value((old or {}).get(names.get(m[1], m[1]))), _key_value(values.get(m[2]))
                    if want is None:
                        raise _invalid(f"fake_cognito: no value for {m[2]}")
                    return have is not None and have[0] == want[0] and test(have[1], want[1])
            raise _invalid(f"fake_cognito: unsupported ConditionExpression {condition}")
        if not any(holds(term) for term in re.split(r"\s+OR\s+", condition)):
            raise ApiError(_DDB + "ConditionalCheckFailedException", "The conditional request failed")

    def _get(self, body):
        partition, range_key = self._locate(body.get("TableName", ""), body.get("Key", {}))
        item = partition.get(range_key)
        return {"Item": item} if item is not None else {}

    def _query(self, body):
        table, names = body.get("TableName", ""), body.get("ExpressionAttributeNames", {})
        values = body.get("ExpressionAttributeValues", {})
        if body.get("FilterExpression"):
            raise _invalid("fake_cognito: FilterExpression unsupported")
        m = _HASH_CONDITION.fullmatch(body.get("KeyConditionExpression", ""))
        if not m:
            raise _invalid("fake_cognito: unsupported KeyConditionExpression")
        hash_name, range_name = self._keys.get(table, CATALOG_KEYS)
        if names.get(m[1], m[1]) != hash_name:
            raise _invalid("Query condition missed key schema element")
        partition = self._tables.get(table, {}).get(_key_value(values.get(m[2])), {})
        keys = sorted(partition, key=lambda k: k and k[1])  # hash-only tables key on None
        if m[3]:
            keys = self._range_filter(keys, m[3], names, values, range_name)
        if body.get("ScanIndexForward", True) is False:
            keys.reverse()
        return self._paged([partition[k] for k in keys], body, table)

    def _scan(self, body):
        table = body.get("TableName", "")
        if body.get("FilterExpression"):
            raise _invalid("fake_cognito: FilterExpression unsupported")
        partitions = self._tables.get(table, {})
        return self._paged([partitions[h][r] for h in sorted(partitions, key=lambda h: h[1])
                            for r in sorted(partitions[h], key=lambda r: r and r[1])],
                           body, table)

    def _paged(self, items: list[dict], body: dict, table: str) -> dict:
        """Applies ExclusiveStartKey and Limit to items in result order."""
        names = [n for n in self._keys.get(table, CATALOG_KEYS) if n]
        start = body.get("ExclusiveStartKey")
        if start:
            keys = [[item.get(n) for n in names] for item in items]
            after = [start.get(n) for n in names]
            items = items[keys.index(after) + 1:] if after in keys else []
        limit = body.get("Limit")
        items = items[:limit] if limit else items
        result = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        if limit and len(items) == limit:  # DynamoDB returns a key whenever Limit is hit
            result["LastEvaluatedKey"] = {n: items[-1][n] for n in names}
        return result

    @staticmethod
    def _range_filter(keys, text, names, values, range_name):
        for pattern, test in _RANGE_CONDITIONS:
            m = pattern.fullmatch(text.strip())
            if m and names.get(m[1], m[1]) == range_name:
                bounds = [_key_value(values.get(ref)) for ref in m.groups()[1:]]
                if None in bounds:
                    break
                return [k for k in keys if all(b[0] == k[0] for b in bounds)
                        and test(k[1], *(b[1] for b in bounds))]
        raise _invalid(f"fake_cognito: unsupported key condition {text}")
