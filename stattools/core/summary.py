"""One summary engine: header pairs + named tables + notes, rendered to five formats.

:class:`Summary` is what every ``summary()`` in stattools returns. It renders plain
text (``str``), HTML (``_repr_html_`` for notebooks), LaTeX, Markdown and CSV, and
``save(path)`` picks the format from the file extension.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Summary", "format_value"]


def format_value(x: Any, digits: int = 4) -> str:
    """Format a scalar for display: fixed decimals for moderate floats, else scientific.

    Examples
    --------
    >>> format_value(0.123456), format_value(1.5e-7), format_value(12), format_value(None)
    ('0.1235', '1.500e-07', '12', '')
    """
    if x is None:
        return ""
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        xf = float(x)
        if math.isnan(xf):
            return "NaN"
        if math.isinf(xf):
            return "inf" if xf > 0 else "-inf"
        if xf == 0 or 10 ** (-digits) <= abs(xf) < 1e6:
            return f"{xf:.{digits}f}"
        return f"{xf:.{digits - 1}e}"
    return str(x)


def _formatted(df: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        out[c] = [format_value(v, digits) for v in out[c].tolist()]
    out.index = [format_value(v, digits) for v in out.index.tolist()]
    out.index.name = df.index.name
    return out.astype(object)


def _latex_escape(s: str) -> str:
    rep = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\^{}",
    }
    return "".join(rep.get(ch, ch) for ch in str(s))


@dataclass(frozen=True)
class Summary:
    """A rendered-on-demand summary: a title, header pairs, named tables and notes.

    Parameters
    ----------
    title : str
        Heading, e.g. ``"ACD(1,1) exponential QMLE"``.
    header : sequence of (str, object)
        Key/value pairs shown above the tables (model, nobs, log-likelihood, ...).
    tables : mapping of str to DataFrame
        Named tables, e.g. ``{"Recursion": ..., "Distribution": ...}``.
    notes : sequence of str
        Numbered notes printed below the tables.
    digits : int, default 4
        Decimals used by the text, HTML, LaTeX and Markdown renderers (CSV keeps full precision).

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", [("nobs", 3)], {"Coefficients": pd.DataFrame({"coef": [1.0]}, index=["a"])})
    >>> print(s.as_markdown().splitlines()[0])
    **Demo**
    """

    title: str
    header: Sequence[tuple[str, Any]] = ()
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    notes: Sequence[str] = ()
    digits: int = 4

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple((str(k), v) for k, v in self.header))
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))

    # ------------------------------------------------------------------ text
    def _header_lines(self, width: int) -> list[str]:
        items = [(k, format_value(v, self.digits)) for k, v in self.header]
        if not items:
            return []
        kw = max(len(k) for k, _ in items) + 1
        vw = max(len(v) for _, v in items)
        col = kw + vw + 2
        if 2 * col + 3 > max(width, 100):
            # long values (e.g. a null hypothesis in words): one pair per line, left-aligned
            return [f"{k + ':':<{kw}} {v}" for k, v in items]
        half = (len(items) + 1) // 2
        left, right = items[:half], items[half:]
        lines = []
        for i in range(half):
            k, v = left[i]
            line = f"{k + ':':<{kw}} {v:>{vw}}"
            if i < len(right):
                k2, v2 = right[i]
                line = f"{line:<{col}}   {k2 + ':':<{kw}} {v2:>{vw}}"
            lines.append(line)
        return lines

    def as_text(self) -> str:
        """Plain-text rendering (what ``print(summary)`` shows)."""
        blocks = []
        for name, df in self.tables.items():
            body = _formatted(df, self.digits).to_string() if len(df) else "(empty)"
            blocks.append((name, body))
        widths = [len(line) for _, b in blocks for line in b.splitlines()]
        width = max([len(self.title), 60, *widths, *(len(x) for x in self._header_lines(60))])
        out = [self.title.center(width), "=" * width]
        out += self._header_lines(width)
        for name, body in blocks:
            out += ["=" * width, name, "-" * width, body]
        out.append("=" * width)
        if self.notes:
            out.append("Notes:")
            out += [f"[{i}] {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    # ------------------------------------------------------------------ html
    def as_html(self) -> str:
        """HTML rendering (used by notebooks through ``_repr_html_``)."""
        esc = html.escape
        parts = ['<div class="stattools-summary">', f"<h4>{esc(self.title)}</h4>"]
        if self.header:
            rows = "".join(
                f"<tr><th>{esc(k)}</th><td>{esc(format_value(v, self.digits))}</td></tr>"
                for k, v in self.header
            )
            parts.append(f'<table class="stattools-header">{rows}</table>')
        for name, df in self.tables.items():
            parts.append(f"<h5>{esc(name)}</h5>")
            parts.append(_formatted(df, self.digits).to_html(escape=True, border=0))
        if self.notes:
            parts.append(
                "<p>Notes:</p><ol>" + "".join(f"<li>{esc(n)}</li>" for n in self.notes) + "</ol>"
            )
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    # ------------------------------------------------------------------ latex
    def as_latex(self) -> str:
        """LaTeX rendering: one ``tabular`` for the header and one per table (booktabs rules)."""
        esc = _latex_escape
        out = [f"% {self.title}", r"\begin{center}", rf"\textbf{{{esc(self.title)}}}\\[4pt]"]
        if self.header:
            out.append(r"\begin{tabular}{ll}")
            out.append(r"\toprule")
            out += [f"{esc(k)} & {esc(format_value(v, self.digits))} \\\\" for k, v in self.header]
            out.append(r"\bottomrule")
            out.append(r"\end{tabular}\\[6pt]")
        for name, df in self.tables.items():
            f = _formatted(df, self.digits)
            cols = ["", *map(str, f.columns)]
            out.append(rf"\textit{{{esc(name)}}}\\[2pt]")
            out.append(r"\begin{tabular}{l" + "r" * len(f.columns) + "}")
            out.append(r"\toprule")
            out.append(" & ".join(esc(c) for c in cols) + r" \\")
            out.append(r"\midrule")
            for idx, row in f.iterrows():
                out.append(" & ".join(esc(v) for v in [idx, *row.tolist()]) + r" \\")
            out.append(r"\bottomrule")
            out.append(r"\end{tabular}\\[6pt]")
        out.append(r"\end{center}")
        if self.notes:
            out.append(r"\begin{enumerate}\footnotesize")
            out += [rf"\item {esc(n)}" for n in self.notes]
            out.append(r"\end{enumerate}")
        return "\n".join(out)

    # ------------------------------------------------------------------ markdown
    def as_markdown(self) -> str:
        """GitHub-flavoured Markdown rendering."""
        out = [f"**{self.title}**", ""]
        if self.header:
            hdr = pd.DataFrame(
                {
                    "": [k for k, _ in self.header],
                    "value": [format_value(v, self.digits) for _, v in self.header],
                }
            )
            out += [hdr.to_markdown(index=False, disable_numparse=True), ""]
        for name, df in self.tables.items():
            out += [
                f"*{name}*",
                "",
                _formatted(df, self.digits).to_markdown(disable_numparse=True),
                "",
            ]
        if self.notes:
            out += ["Notes:", ""] + [f"{i}. {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(out).rstrip() + "\n"

    # ------------------------------------------------------------------ csv
    def as_csv(self, table: str | None = None) -> str:
        """CSV rendering at full precision.

        Parameters
        ----------
        table : str, optional
            Name of one table to export as a plain wide CSV. By default every table is
            stacked with a leading ``table`` column, and the header pairs come first as
            table ``"header"`` with columns ``term`` and ``value``.
        """
        buf = io.StringIO()
        if table is not None:
            if table not in self.tables:
                raise KeyError(f"no table {table!r} in this summary; tables: {list(self.tables)}")
            self.tables[table].to_csv(buf)
            return buf.getvalue()
        frames = []
        if self.header:
            frames.append(
                pd.DataFrame(
                    {
                        "table": "header",
                        "term": [k for k, _ in self.header],
                        "value": [v for _, v in self.header],
                    }
                )
            )
        for name, df in self.tables.items():
            d = df.copy()
            d.index = d.index.map(str)
            d = d.rename_axis("term").reset_index()
            d.insert(0, "table", name)
            frames.append(d)
        if frames:
            pd.concat(frames, ignore_index=True).to_csv(buf, index=False)
        return buf.getvalue()

    # ------------------------------------------------------------------ save
    _EXT = {
        ".txt": "as_text",
        ".html": "as_html",
        ".htm": "as_html",
        ".tex": "as_latex",
        ".md": "as_markdown",
        ".csv": "as_csv",
    }

    def save(self, path: str | Path) -> Path:
        """Write the summary, choosing the format from the extension.

        Extensions: ``.txt``, ``.html``/``.htm``, ``.tex``, ``.md``, ``.csv``.

        Returns
        -------
        pathlib.Path
            The path written.
        """
        p = Path(path)
        method = self._EXT.get(p.suffix.lower())
        if method is None:
            raise ValueError(
                f"cannot infer the format of {str(p)!r} from its extension; "
                f"use one of {', '.join(self._EXT)}"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(getattr(self, method)(), encoding="utf-8")
        return p
