"""JSON text as JavaScript's ``JSON.stringify`` writes it (no spaces, numbers in JavaScript's
shortest form: ``10`` not ``10.0``, ``1e-7`` not ``1e-07``, ``0.00001`` not ``1e-05``), so metadata
written here is byte for byte what the Deno library writes for the same values."""
from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any


def js_number(x: float) -> str:
    """A float as JavaScript's ``Number.prototype.toString`` writes it."""
    if not math.isfinite(x):
        return "null"  # as JSON.stringify
    if x == 0:
        return "0"
    sign, digits, exp = Decimal(repr(float(x))).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0")
    exp += len(digits) - len(ds)
    k = len(ds)
    n = exp + k
    neg = "-" if sign else ""
    if k <= n <= 21:
        return neg + ds + "0" * (n - k)
    if 0 < n <= 21:
        return neg + ds[:n] + "." + ds[n:]
    if -6 < n <= 0:
        return neg + "0." + "0" * (-n) + ds
    e = n - 1
    es = ("+" if e > 0 else "-") + str(abs(e))
    return neg + (ds + "e" + es if k == 1 else ds[0] + "." + ds[1:] + "e" + es)


class _Encoder(json.JSONEncoder):
    def iterencode(self, o, _one_shot=False):
        # the pure-Python encoder with JavaScript's number text
        enc = json.encoder.py_encode_basestring_ascii if self.ensure_ascii else json.encoder.py_encode_basestring
        return json.encoder._make_iterencode(  # type: ignore[attr-defined]
            {}, self.default, enc, self.indent, js_number, self.key_separator,
            self.item_separator, self.sort_keys, self.skipkeys, _one_shot,
        )(o, 0)


def dumps(v: Any) -> str:
    """``JSON.stringify(v)`` for JSON-like Python values (dicts keep their order)."""
    return _Encoder(separators=(",", ":"), ensure_ascii=False).encode(v)
