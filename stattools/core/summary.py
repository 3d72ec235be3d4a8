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

from .exceptions import ArgumentTypeError, ColumnError, DataError

__all__ = ["LATEX_PREAMBLE", "Summary", "format_value", "latex_escape"]


def format_value(x: Any, digits: int = 4, *, integer: bool = False) -> str:
    """Format a scalar for display: fixed decimals for moderate floats, else scientific.

    Integral floats (a lag of ``8.0``, a year stored as ``1874.0``) print as integers when
    ``integer=True``; the table renderers set it for columns whose finite values are all
    integral, and header values always get it.

    Examples
    --------
    >>> format_value(0.123456), format_value(1.5e-7), format_value(12), format_value(None)
    ('0.1235', '1.500e-07', '12', '')
    >>> format_value(8.0), format_value(8.0, integer=True), format_value(float("nan"))
    ('8.0000', '8', 'NaN')
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
        if integer and _is_integral(xf):
            return str(int(xf))
        if xf == 0 or 10 ** (-digits) <= abs(xf) < 1e6:
            return f"{xf:.{digits}f}"
        return f"{xf:.{digits - 1}e}"
    if x is pd.NA or x is pd.NaT:
        return ""
    return str(x)


def _is_integral(x: float) -> bool:
    return math.isfinite(x) and abs(x) < 1e15 and x == int(x)


def _integral_column(values: list[Any]) -> bool:
    """True when every finite value is an integral float (or an int) and one at least is finite."""
    seen = False
    for v in values:
        if isinstance(v, bool | np.bool_) or v is None:
            continue
        if isinstance(v, int | np.integer):
            seen = True
            continue
        if isinstance(v, float | np.floating):
            if math.isnan(v):
                continue
            if not _is_integral(float(v)):
                return False
            seen = True
            continue
        return False
    return seen


def _all_missing(values: list[Any]) -> bool:
    return len(values) > 0 and all(
        v is None or v is pd.NA or (isinstance(v, float | np.floating) and math.isnan(v))
        for v in values
    )


def _header_value(v: Any, digits: int) -> str:
    return format_value(v, digits, integer=True)


def _formatted(df: pd.DataFrame, digits: int, *, drop_missing: bool = True) -> pd.DataFrame:
    """Strings for display: integral columns as integers, all-NaN columns dropped."""
    keep = [c for c in df.columns if not (drop_missing and _all_missing(df[c].tolist()))]
    out = pd.DataFrame(index=range(len(df)))
    for c in keep:
        vals = df[c].tolist()
        # a numeric column is integral as a whole (a column of lags); in a mixed column
        # (a key/value "Details" table) every cell is its own quantity
        integer = _integral_column(vals) or df[c].dtype == object
        out[c] = pd.Series([format_value(v, digits, integer=integer) for v in vals], dtype=object)
    idx = df.index.tolist()
    integer = _integral_column(idx)
    out.index = [format_value(v, digits, integer=integer) for v in idx]
    out.index.name = df.index.name
    out.columns = [str(c) for c in keep]
    return out.astype(object)


# Characters that change meaning in LaTeX, or print as other glyphs in the default OT1
# encoding ("<" as "¡", ">" as "¿", "|" as "—").
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "\n": " ",
    "\t": " ",
}
# Non-Latin-1 characters that appear in stattools labels, as LaTeX math.
_LATEX_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta",
    "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi",
    "Ψ": r"\Psi", "Ω": r"\Omega", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "±": r"\pm", "×": r"\times", "·": r"\cdot", "∞": r"\infty",
    "√": r"\surd", "∑": r"\sum", "∈": r"\in", "→": r"\to", "←": r"\leftarrow",
    "⇒": r"\Rightarrow", "∼": r"\sim", "∝": r"\propto", "−": "-", "∂": r"\partial",
    "²": "^{2}", "³": "^{3}", "¹": "^{1}", "⁰": "^{0}", "₀": "_{0}", "₁": "_{1}", "₂": "_{2}",
    "ℓ": r"\ell", "°": r"^{\circ}", "′": r"^{\prime}",
}  # fmt: skip
_LATEX_TEXT = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}"}
_COMBINING = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0305": r"\bar"}


def latex_escape(s: Any) -> str:
    r"""Escape a string for LaTeX text mode (pdflatex with ``T1``/``utf8``; no unicode engine needed).

    Every special character is escaped, ``<``, ``>`` and ``|`` become their text-mode
    commands, Greek letters and math symbols become inline math, and a combining hat, tilde
    or bar turns into ``\hat``, ``\tilde`` or ``\bar`` on the preceding symbol.

    Examples
    --------
    >>> print(latex_escape("P>|z|  50% a_b & #1 ~x^2"))
    P\textgreater{}\textbar{}z\textbar{}  50\% a\_b \& \#1 \textasciitilde{}x\textasciicircum{}2
    >>> print(latex_escape("λ̂ ≥ 0.9"))
    \ensuremath{\hat{\lambda}} \ensuremath{\geq} 0.9
    """
    import unicodedata

    out: list[str] = []
    for ch in str(s):
        if ch in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[ch])
        elif ch in _COMBINING:
            prev = out.pop() if out else "{}"
            inner = prev[len(r"\ensuremath{") : -1] if prev.startswith(r"\ensuremath{") else prev
            out.append(rf"\ensuremath{{{_COMBINING[ch]}{{{inner}}}}}")
        elif ch in _LATEX_MATH:
            out.append(rf"\ensuremath{{{_LATEX_MATH[ch]}}}")
        elif ch in _LATEX_TEXT:
            out.append(_LATEX_TEXT[ch])
        elif ord(ch) < 128 or (0xA0 <= ord(ch) <= 0xFF and ch not in "¬¦"):
            out.append(ch)  # ASCII and Latin-1 letters: fine with T1 + utf8 inputenc
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append("".join(_LATEX_SPECIAL.get(c, c) for c in base) or "?")
    return "".join(out)


_latex_escape = latex_escape  # backward-compatible private name

LATEX_PREAMBLE = "\n".join(
    [
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage{booktabs}",
        r"\usepackage{array}",
        r"\usepackage{tabularx}",
        r"\usepackage{graphicx}",
        r"\usepackage{adjustbox}",
    ]
)
"""Packages the output of :meth:`Summary.as_latex` needs (paste into the preamble)."""

_FITS = (None, "none", "adjustbox", "resizebox", "tabularx")
# tabularx gives the row labels what the other columns leave of the line; when those
# (estimated at 5.5 pt a character plus the column separation, 10 pt type) take more than
# this, a table is shrunk with adjustbox instead (article's \linewidth is 345 pt).
_TABULARX_MAX_PT = 240.0


def _numeric_width_pt(f: pd.DataFrame) -> float:
    widths = [
        max([len(str(c)), *(len(str(v)) for v in f[c].tolist())]) * 5.5 + 12.0 for c in f.columns
    ]
    return float(sum(widths))


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
        items = [(k, _header_value(v, self.digits)) for k, v in self.header]
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
                f"<tr><th>{esc(k)}</th><td>{esc(_header_value(v, self.digits))}</td></tr>"
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
    def as_latex(
        self,
        *,
        caption: str | None = None,
        label: str | None = None,
        float: bool | None = None,  # noqa: A002 - the LaTeX term
        digits: int | None = None,
        columns: Sequence[str] | None = None,
        tables: Sequence[str] | None = None,
        fit: str | None = "adjustbox",
        placement: str = "htbp",
        notes: bool = True,
        standalone: bool = False,
    ) -> str:
        r"""LaTeX rendering for papers: booktabs rules, every special character escaped.

        Parameters
        ----------
        caption : str, optional
            Table caption (placed above the tables). Implies ``float=True``; with a float and
            no caption, the summary's title is the caption.
        label : str, optional
            ``\label{...}`` for cross-references. Implies ``float=True``.
        float : bool, optional
            Wrap in a ``table`` float (default: only when ``caption`` or ``label`` is given;
            otherwise a ``center`` block headed by the bold title).
        digits : int, optional
            Decimals (default: the summary's ``digits``).
        columns : sequence of str, optional
            Columns to keep, in this order, in every table that has them (e.g.
            ``["coef", "std err", "P>|z|"]``). A name found in no table raises ``KeyError``.
        tables : sequence of str, optional
            Names of the tables to include (default all); ``[]`` gives the header only.
        fit : {"adjustbox", "resizebox", "tabularx", None}, default "adjustbox"
            How each table is kept within ``\linewidth``: ``"adjustbox"`` shrinks a table
            only when it is too wide (``max width=\linewidth``); ``"resizebox"`` scales it to
            exactly ``\linewidth``; ``"tabularx"`` sets the table at ``\linewidth`` with a
            wrapping first column (a table whose other columns need most of the line is
            shrunk with adjustbox instead); None leaves the natural width.
        placement : str, default "htbp"
            Float placement specifier.
        notes : bool, default True
            Include the numbered notes below the tables.
        standalone : bool, default False
            Return a complete ``article`` document (with :data:`LATEX_PREAMBLE`) that compiles
            with ``pdflatex`` as is.

        Returns
        -------
        str
            LaTeX needing the packages of :data:`LATEX_PREAMBLE` (booktabs, array, and
            adjustbox, graphicx or tabularx for ``fit``).

        Examples
        --------
        >>> import pandas as pd
        >>> tab = pd.DataFrame({"coef": [0.5], "P>|z|": [0.01]}, index=["x_1"])
        >>> tex = Summary("Demo", [("nobs", 10.0)], {"Coefficients": tab}).as_latex(
        ...     caption="A demo", label="tab:demo", columns=["coef", "P>|z|"])
        >>> print(tex.splitlines()[0])
        \begin{table}[htbp]
        >>> "P\\textgreater{}\\textbar{}z\\textbar{}" in tex and "x\\_1" in tex and "nobs & 10" in tex
        True
        """
        if fit not in _FITS:
            raise DataError(f"fit must be one of {_FITS}, got {fit!r}")
        esc = latex_escape
        nd = self.digits if digits is None else int(digits)
        use_float = bool(caption is not None or label is not None) if float is None else float
        chosen = self._select(columns, tables)
        out: list[str] = []
        if use_float:
            out += [rf"\begin{{table}}[{placement}]", r"\centering"]
            out.append(rf"\caption{{{esc(self.title if caption is None else caption)}}}")
            if label is not None:
                out.append(rf"\label{{{label}}}")
        else:
            out += [r"\begin{center}", rf"\textbf{{{esc(self.title)}}}\par\medskip"]
        if self.header:
            rows = [rf"{esc(k)} & {esc(_header_value(v, nd))} \\" for k, v in self.header]
            out += self._fit_block(
                [r"\begin{tabular}{@{}l>{\raggedright\arraybackslash}p{0.62\linewidth}@{}}",
                 r"\toprule", *rows, r"\bottomrule", r"\end{tabular}"],
                "adjustbox" if fit in ("tabularx", "resizebox") else fit,
            )  # fmt: skip
            out.append(r"\par\medskip")
        for name, df in chosen.items():
            f = _formatted(df, nd)
            head = [esc(f.index.name or ""), *(esc(c) for c in f.columns)]
            body = [" & ".join(esc(v) for v in [i, *r]) + r" \\" for i, r in zip(f.index, f.values)]
            ncol = len(f.columns)
            table_fit = fit
            if fit == "tabularx" and _numeric_width_pt(f) > _TABULARX_MAX_PT:
                table_fit = "adjustbox"  # too many columns to leave the labels room
            if table_fit == "tabularx":
                spec = r">{\raggedright\arraybackslash}X" + "r" * ncol
                begin, end = (
                    rf"\begin{{tabularx}}{{\linewidth}}{{@{{}}{spec}@{{}}}}",
                    r"\end{tabularx}",
                )
            else:
                begin, end = rf"\begin{{tabular}}{{@{{}}l{'r' * ncol}@{{}}}}", r"\end{tabular}"
            out.append(rf"{{\itshape {esc(name)}}}\par\smallskip")
            block = [begin, r"\toprule", " & ".join(head) + r" \\", r"\midrule", *body]
            out += self._fit_block([*block, r"\bottomrule", end], table_fit)
            out.append(r"\par\medskip")
        if notes and self.notes:
            out.append(r"\begin{minipage}{\linewidth}\footnotesize\raggedright\sloppy")
            out += [rf"{i}.~{esc(n)}\par" for i, n in enumerate(self.notes, 1)]
            out.append(r"\end{minipage}")
        out.append(r"\end{table}" if use_float else r"\end{center}")
        tex = "\n".join(out)
        if standalone:
            tex = "\n".join(
                [r"\documentclass{article}", LATEX_PREAMBLE, r"\begin{document}", tex,
                 r"\end{document}", ""]
            )  # fmt: skip
        return tex

    @staticmethod
    def _fit_block(lines: list[str], fit: str | None) -> list[str]:
        if fit == "adjustbox":
            return [r"\begin{adjustbox}{max width=\linewidth}", *lines, r"\end{adjustbox}"]
        if fit == "resizebox":
            return [r"\resizebox{\linewidth}{!}{%", *lines, "}"]
        return lines

    def _select(
        self, columns: Sequence[str] | None, tables: Sequence[str] | None
    ) -> dict[str, pd.DataFrame]:
        if isinstance(columns, str) or isinstance(tables, str):
            raise ArgumentTypeError(
                "columns= and tables= take a list of names, not a single string"
            )
        chosen = dict(self.tables)
        if tables is not None:
            missing = [t for t in tables if t not in chosen]
            if missing:
                raise ColumnError(
                    f"no table {missing[0]!r} in this summary; tables: {list(chosen)}"
                )
            chosen = {t: chosen[t] for t in tables}
        if columns is not None:
            found = {c for df in chosen.values() for c in df.columns}
            missing = [c for c in columns if c not in found]
            if missing:
                raise ColumnError(
                    f"no column {missing[0]!r} in any table; columns: {sorted(found)}"
                )
            chosen = {
                k: df[[c for c in columns if c in df.columns]]
                if any(c in df.columns for c in columns)
                else df
                for k, df in chosen.items()
            }
        return chosen

    # ------------------------------------------------------------------ markdown
    def as_markdown(self) -> str:
        """GitHub-flavoured Markdown rendering."""
        out = [f"**{self.title}**", ""]
        if self.header:
            hdr = pd.DataFrame(
                {
                    "": [k for k, _ in self.header],
                    "value": [_header_value(v, self.digits) for _, v in self.header],
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
                raise ColumnError(
                    f"no table {table!r} in this summary; tables: {list(self.tables)}"
                )
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
            raise DataError(
                f"cannot infer the format of {str(p)!r} from its extension; "
                f"use one of {', '.join(self._EXT)}"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(getattr(self, method)(), encoding="utf-8")
        return p
