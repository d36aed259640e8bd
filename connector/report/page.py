"""The report as one static HTML page: semantic sections with anchors, a small
embedded stylesheet, inline SVG charts, tables capped to their top rows.

No script, no external resource: a Content-Security-Policy in the page forbids both,
so even a mistake elsewhere cannot make the page fetch or run anything. Every value
from the API is escaped (:mod:`connector.report.markup`). Rows carry ``data-*``
attributes with the raw numbers, for machines (tests, scrapers) reading the page.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from connector.report import svg
from connector.report.balance import UNLABELED, Balance, SplitCheck
from connector.report.lifecycle import FAILED, OTHER, PENDING, READY, TaskRow, TasksView, VersionRow
from connector.report.markup import (
    DASH,
    attrs,
    clip,
    days,
    duration,
    esc,
    iso,
    num,
    pct,
    plural,
    pp,
    seconds,
    short,
    when,
)
from connector.report.model import ReportData
from connector.report.snapshot import ALL_INVENTORIES, RunLog, Step

#: The sections, in page order: anchor id and heading.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("class-balance", "Class balance"),
    ("splits", "Splits"),
    ("versions", "Dataset versions"),
    ("tasks", "Labeling tasks"),
    ("run", "This run"),
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9dee3;--soft:#f5f7fa;--accent:#0072B2;--bad:#b3261e;--good:#1b6e53;
--warn:#8a5300;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink)}
*{box-sizing:border-box}
body{margin:0;background:#fff}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
header.top{background:#102a43;color:#fff;padding:20px 24px 12px}
header.top h1{margin:0 0 4px;font-size:1.5rem;font-weight:650}
header.top p{margin:0 0 10px;color:#d9e2ec}
header.top nav ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 18px}
header.top nav a{color:#fff;text-decoration:underline;text-underline-offset:3px}
main{max-width:1120px;margin:0 auto;padding:8px 24px 32px}
section{padding:18px 0 8px;border-bottom:1px solid var(--line)}
h2{font-size:1.3rem;margin:0 0 8px}
h3{font-size:1.05rem;margin:18px 0 6px}
h2 a.anchor,h3 a.anchor{color:var(--muted);text-decoration:none;font-weight:400;margin-left:6px}
p.lead{margin:4px 0 12px;max-width:70em}
p.note,.note{color:var(--muted);font-size:.88rem}
dl.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:8px 0 16px}
dl.cards div{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
dl.cards dt{font-size:.82rem;color:var(--muted)}
dl.cards dd{margin:0;font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums}
dl.cards dd small{display:block;font-size:.78rem;font-weight:400;color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0 14px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:6px 0 14px}
table{border-collapse:collapse;font-size:.9rem;min-width:40%}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--ink)}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody th{font-weight:600}
tr.group th{background:#eef2f6;text-align:left}
tr.more td,tr.total td,tr.total th{color:var(--muted);font-style:italic}
tr.total td,tr.total th{font-style:normal;font-weight:600;color:var(--ink);border-top:2px solid var(--line)}
code,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;font-weight:600;white-space:nowrap;border:1px solid}
.b-ready,.b-ok,.b-done{color:var(--good);border-color:#9fd3bf;background:#effaf5}
.b-failed,.b-bad,.b-delete{color:var(--bad);border-color:#efb3ae;background:#fdf1f0}
.b-pending,.b-warn,.b-stale,.b-open{color:var(--warn);border-color:#f0cf94;background:#fff8eb}
.b-other,.b-keep{color:var(--muted);border-color:var(--line);background:var(--soft)}
svg.chart{display:block;width:100%;max-width:720px;height:auto;margin:6px 0 4px;font-family:inherit}
svg.mini{max-width:440px}
svg.chart text{font-family:inherit}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px 22px}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 32px;align-items:start}
td.t{white-space:nowrap}
.charts figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
figure figcaption{font-weight:600}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;padding:0;margin:6px 0;font-size:.86rem}
ul.legend svg{vertical-align:-3px}
ul.findings{list-style:none;padding:0;margin:4px 0 14px}ul.findings li{margin:3px 0}
ul.findings a{color:var(--ink)}
ul.checks{list-style:none;padding:0;margin:6px 0 10px;display:flex;flex-wrap:wrap;gap:6px 12px}
article.split{border:1px solid var(--line);border-radius:8px;padding:4px 16px 10px;margin:12px 0}
details{margin:4px 0 10px}summary{cursor:pointer;color:var(--accent)}
.flag{color:var(--bad);font-weight:600}
footer{max-width:1120px;margin:0 auto;padding:12px 24px 28px;color:var(--muted);font-size:.85rem}
@media print{header.top{background:none;color:var(--ink)}header.top nav{display:none}section{break-inside:avoid-page}}
"""


# -- small builders ----------------------------------------------------------------------


def _section(ident: str, title: str, body: str, **data: Any) -> str:
    return (
        f"<section{attrs(id=ident, aria_labelledby=f'{ident}-h', **data)}>"
        f'<h2 id="{esc(ident)}-h">{esc(title)}<a class="anchor" href="#{esc(ident)}" aria-label="Link to this section">#</a></h2>'
        f"{body}</section>"
    )


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[str], *, caption: str = "", **data: Any) -> str:
    """A table; ``head`` is ``(label, numeric)`` per column, ``rows`` are ``<tr>`` strings."""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    ths = "".join(f'<th scope="col"{" class=n" if numeric else ""}>{esc(label)}</th>' for label, numeric in head)
    return f'<div class="table-wrap"><table{attrs(**data)}>{cap}<thead><tr>{ths}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _td(value: str, numeric: bool = False) -> str:
    return f"<td{' class=n' if numeric else ''}>{value}</td>"


def _badge(kind: str, text: str) -> str:
    return f'<span class="badge b-{esc(kind)}">{esc(text)}</span>'


def _more_row(columns: int, text: str) -> str:
    return f'<tr class="more"><td colspan="{columns}">{esc(text)}</td></tr>'


def _check(ok: bool, good: str, bad: str, *, warn: bool = False) -> str:
    if ok:
        return f"<li>{_badge('ok', '✓ ' + good)}</li>"
    return f"<li>{_badge('warn' if warn else 'bad', ('⚠ ' if warn else '✕ ') + bad)}</li>"


def _ids(values: Sequence[str]) -> str:
    return ", ".join(f'<code class="id">{esc(v)}</code>' for v in values)


# -- summary -----------------------------------------------------------------------------


def _summary(data: ReportData) -> str:
    snap = data.snapshot
    if snap.taken_at and snap.taken_until and (snap.taken_until - snap.taken_at).total_seconds() >= 1:
        taken = f"{when(snap.taken_at)} to {when(snap.taken_until)}"
    else:
        taken = when(snap.taken_at) if snap.taken_at else "not recorded"
    facts = [
        ("App", f'<span class="id">{esc(snap.user_id or "?")} / {esc(snap.app_id or "?")}</span>'),
        ("API", f'<code class="id">{esc(snap.api_base)}</code>' if snap.api_base else "not recorded"),
        ("Taken", esc(taken)),
        ("Read from", esc(snap.origin or DASH)),
        ("Report made", esc(when(data.generated_at))),
    ]
    fact_html = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    cards: list[tuple[str, int | None, str]] = [
        ("inputs", snap.rows.get("inputs"), "Inputs"),
        ("datasets", snap.rows.get("datasets"), "Datasets"),
        ("concepts", snap.rows.get("concepts"), "Concepts"),
        ("dataset_versions", snap.rows.get("dataset_versions"), "Dataset versions"),
        ("models", snap.rows.get("models"), "Models"),
        ("tasks", snap.rows.get("tasks"), "Labeling tasks"),
    ]
    notes = {
        "inputs": f"{pct(data.balance.overall.labeled / data.balance.overall.inputs)} labeled"
        if data.balance and data.balance.overall.inputs
        else "",
        "dataset_versions": (
            f"{data.versions.counts.get(FAILED, 0)} failed, {data.versions.counts.get(PENDING, 0)} pending"
            if data.versions
            else ""
        ),
        "tasks": f"{data.tasks.counts.get('open', 0)} open, {data.tasks.stale} stale" if data.tasks else "",
    }
    card_html = "".join(
        f"<div{attrs(data_figure=key, data_value=value)}><dt>{esc(label)}</dt><dd>{esc(num(value))}"
        f"{f'<small>{esc(notes[key])}</small>' if notes.get(key) else ''}</dd></div>"
        for key, value, label in cards
    )
    rows = []
    for name in ALL_INVENTORIES:
        count = snap.rows.get(name)
        rows.append(
            f"<tr{attrs(data_inventory=name, data_rows=count)}><th scope=row><code>{esc(name)}</code></th>"
            + _td(esc(num(count)) if count is not None else '<span class="note">not read</span>', True)
            + "</tr>"
        )
    table = _table(
        [("Inventory", False), ("Rows", True)], rows, caption="Rows of every inventory", class_="inventories"
    )
    findings = _findings(data)
    return _section(
        "summary",
        "Summary",
        f'<dl class="cards">{card_html}</dl>{findings}<div class="two"><dl class="facts">{fact_html}</dl>{table}</div>',
    )


def _finding(kind: str, text: str, anchor: str) -> str:
    mark = {"ok": "\u2713", "warn": "\u26a0", "bad": "\u2715"}[kind]
    return f'<li{attrs(data_finding=kind)}>{_badge(kind, mark)} <a href="#{esc(anchor)}">{esc(text)}</a></li>'


def _findings(data: ReportData) -> str:
    """The page at a glance: one line per thing worth a look, each linking its section."""
    items = []
    if data.balance is not None and data.balance.overall.inputs:
        o = data.balance.overall
        text = (
            f"{num(o.unlabeled)} inputs ({pct(o.unlabeled / o.inputs)}) carry no concept"
            if o.unlabeled
            else "every input carries a concept"
        )
        items.append(_finding("warn" if o.unlabeled else "ok", text, "class-balance"))
    for check in data.splits:
        name = "the whole app" if check.is_app else check.source
        bad = bool(check.leaked or check.missing)
        text = (
            f"split of {name}: {num(check.leaked)} inputs in two targets, {num(check.missing)} in none"
            if bad
            else f"split of {name}: no input in two targets, none missing"
        )
        items.append(_finding("bad" if bad else "ok", text, "splits"))
    if data.versions is not None:
        failed = data.versions.counts.get(FAILED, 0)
        text = plural(failed, "failed dataset version") if failed else "no failed dataset version"
        items.append(_finding("warn" if failed else "ok", text, "versions"))
        plan = data.versions.plan
        if plan is not None:
            text = f"the prune plan deletes {num(plan.deletes)} of {plural(len(plan.verdicts), 'version')}"
            items.append(
                _finding(
                    "warn" if plan.guard else "ok", text + (" (its guard refuses it)" if plan.guard else ""), "versions"
                )
            )
    if data.tasks is not None and data.tasks.total:
        stale = data.tasks.stale
        text = plural(stale, "stale labeling task") if stale else "no stale labeling task"
        items.append(_finding("warn" if stale else "ok", text, "tasks"))
    if not items:
        return ""
    return f'<h3 id="summary-findings">At a glance</h3><ul class="findings">{"".join(items)}</ul>'


# -- class balance -----------------------------------------------------------------------


def _balance_rows(b: Balance, *, name_col: bool = True) -> list[str]:
    rows = []
    for c in b.concepts:
        rows.append(
            f"<tr{attrs(data_concept=c.concept, data_inputs=c.inputs)}><th scope=row><code class=id>{esc(c.concept)}</code></th>"
            f"{_td(esc(num(c.inputs)), True)}{_td(esc(pct(c.share)), True)}</tr>"
        )
    if b.other_concepts:
        rows.append(
            f"<tr class=more{attrs(data_other_concepts=b.other_concepts, data_inputs=b.other_inputs)}>"
            f"<td>{esc(num(b.other_concepts))} more concepts</td>{_td(esc(num(b.other_inputs)), True)}<td></td></tr>"
        )
    rows.append(
        f"<tr{attrs(data_unlabeled=True, data_inputs=b.unlabeled)}><th scope=row><em>no concept</em></th>"
        f"{_td(esc(num(b.unlabeled)), True)}{_td(esc(pct(b.unlabeled / b.inputs if b.inputs else None)), True)}</tr>"
    )
    return rows


def _balance_bars(b: Balance, limit: int) -> list[svg.Bar]:
    bars = [
        svg.Bar(
            c.concept,
            c.inputs,
            f"{num(c.inputs)} ({pct(c.share)})",
            f"{c.concept}: {num(c.inputs)} inputs, {pct(c.share)}",
        )
        for c in b.concepts[:limit]
    ]
    if b.unlabeled:
        share = b.unlabeled / b.inputs if b.inputs else None
        bars.append(svg.Bar("(no concept)", b.unlabeled, f"{num(b.unlabeled)} ({pct(share)})", colour=svg.GREY))
    return bars


def _class_balance(data: ReportData) -> str:
    cb = data.balance
    if cb is None:
        return _section(
            "class-balance",
            "Class balance",
            '<p class="lead">Not available: the report was given none of the <code>inputs</code>, '
            "<code>dataset_inputs</code> and <code>annotations</code> inventories.</p>",
        )
    o = cb.overall
    ratio = o.imbalance
    lead = (
        f"{num(o.inputs)} inputs; {num(o.labeled)} ({pct(o.labeled / o.inputs if o.inputs else None)}) carry at least "
        f"one of {num(o.concept_count)} concepts."
    )
    if ratio is not None and o.concept_count > 1:
        top, low = o.concepts[0], [c for c in o.concepts if c.inputs][-1]
        lead += (
            f" The most common concept (<code class=id>{esc(top.concept)}</code>) has {ratio:.1f}\u00d7 the inputs of the "
            f"least common (<code class=id>{esc(low.concept)}</code>)."
        )
    sources = ", ".join(cb.sources) or "none"
    note = (
        f'<p class="note">An input carries a concept when the concept is among its own concepts or those of one of its '
        f"annotations (read from: {esc(sources)}). A concept marked absent (value 0) counts too: inventories keep "
        "concept ids, not values.</p>"
    )
    chart = svg.bar_chart(
        _balance_bars(o, 25),
        ident="balance-app",
        title="Inputs per concept, whole app",
        desc=f"Horizontal bars: inputs carrying each of the {min(len(o.concepts), 25)} most common concepts, and inputs with none.",
    )
    table = _table(
        [("Concept", False), ("Inputs", True), ("Share of inputs", True)],
        _balance_rows(o),
        caption="Inputs per concept, whole app",
        data_population="app",
        data_inputs=o.inputs,
        data_labeled=o.labeled,
    )
    figures = []
    for i, b in enumerate(cb.datasets):
        mini = svg.bar_chart(
            _balance_bars(b, 8),
            ident=f"balance-ds-{i}",
            title=f"Inputs per concept in dataset {b.label}",
            desc=f"The {min(len(b.concepts), 8)} most common concepts of dataset {b.label}, and its inputs with none.",
            width=440,
            label_width=110,
            class_="chart mini",
        )
        details = _table(
            [("Concept", False), ("Inputs", True), ("Share", True)],
            _balance_rows(b),
            caption=f"Dataset {b.label}",
            data_population="dataset",
            data_dataset=b.label,
            data_inputs=b.inputs,
            data_labeled=b.labeled,
        )
        figures.append(
            f"<figure{attrs(data_dataset=b.label)}><figcaption><code class=id>{esc(b.label)}</code> · {esc(num(b.inputs))} inputs, "
            f"{esc(num(b.unlabeled))} with no concept</figcaption>{mini}"
            f"<details><summary>All {esc(num(len(b.concepts)))} concepts shown as a table</summary>{details}</details></figure>"
        )
    per_dataset = (
        f'<h3 id="class-balance-datasets">Per dataset</h3><p class="note">Membership read from '
        f"{esc(cb.membership_source or 'nothing')}; largest datasets first.</p>"
        f'<div class="charts">{"".join(figures)}</div>'
        if figures
        else '<p class="note">No dataset membership to show (neither <code>dataset_inputs</code> nor '
        "<code>inputs.dataset_ids</code> was read, or no input is in a dataset).</p>"
    )
    if cb.more_datasets:
        per_dataset += (
            f'<p class="note">{esc(num(cb.more_datasets))} smaller datasets ({esc(num(cb.more_datasets_inputs))} '
            "memberships) are not shown.</p>"
        )
    return _section(
        "class-balance",
        "Class balance",
        f'<p class="lead">{lead}</p>{note}<h3 id="class-balance-app">Whole app</h3>{chart}{table}{per_dataset}',
        data_inputs=o.inputs,
        data_labeled=o.labeled,
        data_concepts=o.concept_count,
    )


# -- splits ------------------------------------------------------------------------------

_TARGET_SERIES = (
    ("circle", svg.BLUE),
    ("square", svg.ORANGE),
    ("triangle", svg.GREEN),
    ("diamond", svg.PURPLE),
    ("ring", svg.SKY),
    ("cross", svg.VERMILION),
)


def _split(check: SplitCheck, n: int, tolerance: float) -> str:
    src_label = "the whole app" if check.is_app else f"dataset {check.source}"
    series = [svg.Series(f"source ({src_label})", "tick", svg.INK)] + [
        svg.Series(f"{t.split} ({t.dataset_id})", *_TARGET_SERIES[i % len(_TARGET_SERIES)])
        for i, t in enumerate(check.targets)
    ]
    checks = "".join(
        [
            _check(check.leaked == 0, "no input in two targets", f"{num(check.leaked)} inputs in two or more targets"),
            _check(
                check.missing == 0,
                "every source input is in a target",
                f"{num(check.missing)} source inputs in no target",
            ),
            _check(
                check.outside == 0,
                "targets hold only source inputs",
                f"{num(check.outside)} target inputs not in the source",
                warn=True,
            ),
            _check(
                check.worst_gap <= tolerance,
                f"every concept's share within {tolerance * 100:.0f} pp of the source",
                f"a concept's share is {check.worst_gap * 100:.1f} pp off the source",
                warn=True,
            ),
        ]
    )
    if check.absent_targets:
        checks += f"<li>{_badge('warn', '⚠ targets not listed: ' + ', '.join(check.absent_targets))}</li>"
    sizes = _table(
        [("Split", False), ("Dataset", False), ("Inputs", True), ("Share of source", True)],
        [
            f"<tr{attrs(data_split=t.split, data_target=t.dataset_id, data_inputs=t.inputs)}><th scope=row>{esc(t.split)}</th>"
            f"<td><code class=id>{esc(t.dataset_id)}</code></td>{_td(esc(num(t.inputs)), True)}{_td(esc(pct(t.share_of_source)), True)}</tr>"
            for t in check.targets
        ]
        + [
            f"<tr class=total><th scope=row>source</th><td>{esc(src_label)}</td>"
            f"{_td(esc(num(check.source_inputs)), True)}{_td('100%', True)}</tr>"
        ],
        caption="Sizes",
        class_="split-sizes",
    )
    dots = svg.dot_plot(
        [
            svg.DotRow(
                r.concept or "(no concept)",
                (r.source_share, *r.target_shares),
                f"{r.concept or '(no concept)'}: source {pct(r.source_share)}; "
                + "; ".join(f"{t.split} {pct(s)}" for t, s in zip(check.targets, r.target_shares, strict=True)),
            )
            for r in check.rows
        ],
        series,
        ident=f"split-{n}",
        title=f"Each concept's share of the inputs, source {check.source} and its targets",
        desc="For each concept, a bar marks its share in the source and a shape its share in each target; "
        "a shape far from the bar means the split changed that concept's share.",
    )
    head = [("Concept", False), ("Source inputs", True), ("Source share", True)]
    head += [(f"{t.split} share", True) for t in check.targets]
    head += [("Largest gap", True)]
    rows = []
    for r in check.rows:
        cells = [
            f"<th scope=row>{'<em>no concept</em>' if r.concept == UNLABELED else f'<code class=id>{esc(r.concept)}</code>'}</th>",
            _td(esc(num(r.source_inputs)), True),
            _td(esc(pct(r.source_share)), True),
        ]
        for t, count, share in zip(check.targets, r.target_inputs, r.target_shares, strict=True):
            cells.append(
                f"<td class=n{attrs(data_target=t.dataset_id, data_inputs=count, data_share=f'{share:.6f}')}>"
                f"{esc(pct(share))} <span class=note>({esc(pp(share - r.source_share))})</span></td>"
            )
        flag = r.gap > tolerance
        cells.append(_td(f"{'<span class=flag>⚠ </span>' if flag else ''}{esc(f'{r.gap * 100:.1f} pp')}", True))
        rows.append(
            f"<tr{attrs(data_concept=r.concept, data_unlabeled=r.concept == UNLABELED, data_source_inputs=r.source_inputs, data_source_share=f'{r.source_share:.6f}', data_flag=flag)}>"
            + "".join(cells)
            + "</tr>"
        )
    if check.more_concepts:
        rows.append(_more_row(len(head), f"{num(check.more_concepts)} less common concepts not shown"))
    shares = _table(head, rows, caption="Each concept's share, source and targets", class_="split-shares")
    samples = []
    if check.leaked_sample:
        items = "".join(
            f"<li><code class=id>{esc(i)}</code> in {_ids(list(where))}</li>" for i, where in check.leaked_sample
        )
        samples.append(
            f"<details><summary>Inputs in two targets (first {len(check.leaked_sample)})</summary><ul>{items}</ul></details>"
        )
    if check.missing_sample:
        samples.append(
            f"<details><summary>Source inputs in no target (first {len(check.missing_sample)})</summary><p>{_ids(list(check.missing_sample))}</p></details>"
        )
    if check.outside_sample:
        samples.append(
            f"<details><summary>Target inputs not in the source (first {len(check.outside_sample)})</summary><p>{_ids(list(check.outside_sample))}</p></details>"
        )
    found = {
        "naming": "found by its target names",
        "bulk operation": "found by its split bulk operation",
        "argument": "given",
    }
    title = f"{src_label} → {', '.join(t.split for t in check.targets)}"
    return (
        f"<article{attrs(class_='split', id=f'split-{n}', data_source=check.source, data_app=check.is_app, data_source_inputs=check.source_inputs, data_leaked=check.leaked, data_missing=check.missing, data_outside=check.outside)}>"
        f'<h3>{esc(title)}<a class=anchor href="#split-{n}" aria-label="Link to this split">#</a></h3>'
        f'<p class="note">{esc(found.get(check.found_by, check.found_by))}</p>'
        f'<ul class="checks" aria-label="Checks">{checks}</ul>{sizes}{svg.legend(series, title="Legend of the share chart")}{dots}{shares}{"".join(samples)}</article>'
    )


def _splits(data: ReportData) -> str:
    if data.balance is None:
        body = '<p class="lead">Not available: no input inventory was given.</p>'
    elif not data.splits:
        body = (
            '<p class="lead">No split found. A split is recognised by its targets\' names, '
            "<code>&lt;source&gt;-train</code>, <code>&lt;source&gt;-test</code> (also <code>-validation</code>, "
            "<code>-val</code>, <code>-dev</code>, <code>-holdout</code>), as the split operation names them, by a "
            "<code>split_into_datasets</code> bulk operation, or given with <code>splits=</code> "
            "(CLI: <code>--split SOURCE=SPLIT:DATASET,...</code>).</p>"
        )
    else:
        leaks = sum(1 for c in data.splits if c.leaked)
        body = (
            f'<p class="lead">{esc(plural(len(data.splits), "split"))} found; {esc(num(leaks))} with inputs in two targets. '
            f"A concept's share is its inputs over the population's inputs; gaps over {data.share_tolerance * 100:.0f} "
            "percentage points are flagged ⚠.</p>"
        )
        body += "".join(_split(c, i, data.share_tolerance) for i, c in enumerate(data.splits))
    return _section("splits", "Splits", body, data_splits=len(data.splits))


# -- versions ----------------------------------------------------------------------------

_VERSION_SERIES = {
    READY: svg.Series("READY", "circle", svg.GREEN),
    FAILED: svg.Series("failed", "cross", svg.VERMILION),
    PENDING: svg.Series("pending / in progress", "ring", svg.ORANGE),
    OTHER: svg.Series("other status", "diamond", svg.GREY),
}


def _policy_text(policy: Any) -> str:
    keys = ("keep_last", "keep_younger_than", "delete_failed_older_than", "keep_ids", "allow_trained", "allow_origins")
    parts = []
    for k in keys:
        v = policy.get(k)
        if not v:
            continue
        if isinstance(v, timedelta):
            v = duration(v)
        elif k in ("keep_younger_than", "delete_failed_older_than") and isinstance(v, (int, float)):
            v = duration(timedelta(seconds=v))
        elif isinstance(v, (list, tuple, set, frozenset)):
            v = "[" + ", ".join(sorted(str(x) for x in v)) + "]"
        parts.append(f"{k}={v}")
    return ", ".join(parts) or "as given"


def _plan_time(text: str) -> str:
    try:
        return when(datetime.fromisoformat(text))
    except ValueError:
        return text


def _version_row(v: VersionRow) -> str:
    notes = [esc(clip(v.description, 60))] if v.description else []
    if v.pinned:
        notes.append("<strong>pinned</strong>")
    origin = v.origin.replace("DATASET_VERSION_REQUEST_ORIGIN_", "")
    action = DASH
    if v.action:
        action = f"{_badge('delete' if v.action == 'delete' else 'keep', v.action)} {esc(v.reason or '')}"
    trained = "<br>".join(f"<code>{esc(t)}</code>" for t in v.trained_by) if v.trained_by else DASH
    return (
        f"<tr{attrs(data_dataset=v.dataset_id, data_version=v.version_id, data_status=v.status, data_category=v.category, data_trained=bool(v.trained_by), data_pinned=v.pinned, data_action=v.action)}>"
        f"<th scope=row><code class=id>{esc(v.version_id)}</code>"
        + "".join(f"<br><span class=note>{n}</span>" for n in notes)
        + "</th>"
        f"<td>{_badge(v.category, v.status.replace('DATASET_VERSION_', ''))}"
        + (f"<br><span class=note>{esc(origin)}</span>" if origin else "")
        + "</td>"
        f"<td class=t>{esc(short(v.created_at))}</td>{_td(esc(num(v.inputs)), True)}"
        f"<td class=t>{trained}</td><td>{action}</td></tr>"
    )


def _versions(data: ReportData) -> str:
    vv = data.versions
    if vv is None:
        return _section(
            "versions",
            "Dataset versions",
            '<p class="lead">Not available: the <code>dataset_versions</code> inventory was not read.</p>',
        )
    trained = sum(d.trained for d in vv.datasets)
    lead = (
        f"{num(vv.total)} versions in {num(len(vv.datasets) + vv.more_datasets)} datasets: "
        f"{num(vv.counts.get(READY, 0))} READY, {num(vv.counts.get(FAILED, 0))} failed, "
        f"{num(vv.counts.get(PENDING, 0))} pending or in progress, {num(vv.counts.get(OTHER, 0))} other; "
        f"{num(trained)} with a model trained on them."
    )
    plan_html = ""
    if vv.plan is not None:
        plan = vv.plan
        plan_html = (
            f'<p class="lead"{attrs(data_plan_deletes=plan.deletes, data_plan_rows=len(plan.verdicts))}>'
            f"<strong>Prune plan</strong> ({esc(_policy_text(plan.policy))}"
            f"{', planned ' + esc(_plan_time(plan.made_at)) if plan.made_at else ''}): it would delete "
            f"<strong>{esc(num(plan.deletes))}</strong> of the {esc(num(len(plan.verdicts)))} versions it covers. "
            "Deletions are marked with a dashed box in the timeline; each version's reason is in the table.</p>"
        )
        if plan.guard:
            plan_html += f"<p>{_badge('warn', '⚠ guard')} The guard refuses this plan: {esc(plan.guard)}.</p>"
        if vv.plan_unmatched:
            plan_html += (
                f'<p class="note">{esc(num(len(vv.plan_unmatched)))} plan rows name versions the inventory does not list '
                f"(the plan and the inventory were read at different times): {_ids(list(vv.plan_unmatched[:10]))}</p>"
            )
    else:
        plan_html = (
            '<p class="note">No prune plan given: pass <code>prune_plan=</code> (a dry-run plan from '
            "<code>connector.operations.plan_prune</code>) or, on the command line, <code>--prune-plan plan.json</code> "
            "or <code>--keep-last N</code>, to see what a policy would delete and why.</p>"
        )
    rows = []
    for d in vv.datasets:
        events = [
            svg.Event(
                _VERSION_SERIES[v.category],
                v.version_id,
                f"{v.version_id}: {v.status}, {when(v.created_at)}"
                + (f"; trained on by {', '.join(v.trained_by)}" if v.trained_by else "")
                + (f"; plan: {v.action} ({v.reason})" if v.action else ""),
                ring=bool(v.trained_by),
                flag=v.action == "delete",
            )
            for v in reversed(d.versions)
        ]
        note = plural(d.total, "version") + (f", {num(d.more)} older not drawn" if d.more else "")
        rows.append((d.dataset_id, events, note))
    series = [*_VERSION_SERIES.values()]
    legend = svg.legend(series, title="Legend of the timeline")
    legend = legend.replace(
        "</ul>",
        '<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><circle cx="8" cy="8" r="6.5" fill="none" '
        f'stroke="{svg.BLUE}" stroke-width="2"/></svg> a model was trained on it</li>'
        + (
            '<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><rect x="1" y="1" width="14" height="14" '
            f'fill="none" stroke="{svg.VERMILION}" stroke-width="2" stroke-dasharray="3 2"/></svg> the prune plan deletes it</li>'
            if vv.plan is not None
            else ""
        )
        + "</ul>",
    )
    chart = (
        svg.timeline(
            rows,
            ident="versions-timeline",
            title="Dataset versions, oldest to newest, per dataset",
            desc="One row per dataset; each mark is a version, oldest on the left. A circle is READY, a cross failed, "
            "a ring pending; an outer ring marks versions a model was trained on.",
        )
        if rows
        else ""
    )
    counts = _table(
        [
            ("Dataset", False),
            ("Versions", True),
            ("READY", True),
            ("Failed", True),
            ("Pending", True),
            ("Other", True),
            ("Trained on", True),
            ("Plan deletes", True),
        ],
        [
            f"<tr{attrs(data_dataset=d.dataset_id, data_total=d.total, data_ready=d.counts.get(READY, 0), data_failed=d.counts.get(FAILED, 0), data_pending=d.counts.get(PENDING, 0), data_other=d.counts.get(OTHER, 0), data_trained=d.trained, data_would_delete=d.would_delete if vv.plan is not None else None)}>"
            f"<th scope=row><code class=id>{esc(d.dataset_id)}</code></th>"
            + "".join(
                _td(esc(num(x)), True)
                for x in (
                    d.total,
                    d.counts.get(READY, 0),
                    d.counts.get(FAILED, 0),
                    d.counts.get(PENDING, 0),
                    d.counts.get(OTHER, 0),
                    d.trained,
                )
            )
            + _td(esc(num(d.would_delete)) if vv.plan is not None else DASH, True)
            + "</tr>"
            for d in vv.datasets
        ],
        caption="Versions per dataset",
        class_="version-counts",
    )
    head = [
        ("Version", False),
        ("Status and origin", False),
        ("Created", False),
        ("Inputs", True),
        ("Trained on by", False),
        ("Prune plan", False),
    ]
    body = []
    for d in vv.datasets:
        body.append(
            f'<tr class="group"><th colspan="{len(head)}" scope="rowgroup"><code class=id>{esc(d.dataset_id)}</code> · '
            f"{esc(plural(d.total, 'version'))}, newest first</th></tr>"
        )
        body.extend(_version_row(v) for v in d.versions)
        if d.more:
            body.append(_more_row(len(head), f"{num(d.more)} older versions not shown"))
    versions = _table(head, body, caption="Every version (newest first, per dataset)", class_="versions")
    more = (
        f'<p class="note">{esc(num(vv.more_datasets))} datasets with fewer versions are not shown.</p>'
        if vv.more_datasets
        else ""
    )
    return _section(
        "versions",
        "Dataset versions",
        f'<p class="lead">{lead}</p>{plan_html}{legend}{chart}{counts}{more}{versions}',
        data_versions=vv.total,
    )


# -- tasks -------------------------------------------------------------------------------


def _task_row(t: TaskRow) -> str:
    state = _badge("stale", "⚠ stale") if t.stale else _badge(t.state, t.state)
    return (
        f"<tr{attrs(data_task=t.task_id, data_status=t.status, data_state=t.state, data_work=t.work_percent, data_review=t.review_percent, data_stale=t.stale, data_idle_days=f'{t.idle_days:.3f}' if t.idle_days is not None else None)}>"
        f"<th scope=row><code class=id>{esc(t.task_id)}</code><br><span class=note>{esc(clip(t.name, 60))}</span></th>"
        f"<td>{esc(t.status.replace('TASK_', ''))}</td><td>{state}</td>"
        f"{_td(esc(pct(t.work_percent / 100 if t.work_percent is not None else None, 0)), True)}"
        f"{_td(esc(pct(t.review_percent / 100 if t.review_percent is not None else None, 0)), True)}"
        f"{_td(esc(num(t.inputs_estimated)), True)}"
        f"<td>{esc(t.source or DASH)}</td>{_td(esc(num(t.workers)), True)}<td>{esc(t.review or DASH)}</td>"
        f"<td class=t>{esc(short(t.modified_at or t.created_at))}<br><span class=note>{esc(days(t.idle_days))} ago</span></td></tr>"
    )


def _tasks(data: ReportData) -> str:
    tv: TasksView | None = data.tasks
    if tv is None:
        return _section(
            "tasks",
            "Labeling tasks",
            '<p class="lead">Not available: the <code>tasks</code> inventory was not read.</p>',
        )
    stale_after = duration(tv.stale_after)
    lead = (
        f"{num(tv.total)} tasks: {num(tv.counts.get('open', 0))} open, {num(tv.counts.get('done', 0))} done, "
        f"{num(tv.counts.get('failed', 0))} failed or won't do. "
        f"<strong>{num(tv.stale)} stale</strong>: open, and unchanged for {esc(stale_after)} or more "
        f"as of {esc(when(data.as_of))}."
    )
    chart = (
        svg.progress_chart(
            [
                svg.Progress(
                    t.task_id,
                    t.work_percent,
                    t.review_percent,
                    f"work {pct(t.work_percent / 100 if t.work_percent is not None else None, 0)}, review "
                    f"{pct(t.review_percent / 100 if t.review_percent is not None else None, 0)}"
                    + (" · stale" if t.stale else ""),
                    f"{t.task_id} ({t.name}): {t.status}" + (", stale" if t.stale else ""),
                    t.stale,
                )
                for t in tv.rows[:30]
            ],
            ident="tasks-progress",
            title="Progress of each labeling task",
            desc="For each task, the thick bar is the estimated share of inputs worked on, the thin bar the share "
            "reviewed; stale tasks are marked with a warning sign.",
        )
        if tv.rows
        else ""
    )
    head = [
        ("Task", False),
        ("Status", False),
        ("State", False),
        ("Work", True),
        ("Review", True),
        ("Inputs (est.)", True),
        ("Input source", False),
        ("Workers", True),
        ("Review strategy", False),
        ("Last change", False),
    ]
    rows = [_task_row(t) for t in tv.rows]
    if tv.more:
        rows.append(_more_row(len(head), f"{num(tv.more)} more tasks (done or failed) not shown"))
    legend = (
        '<ul class="legend" aria-label="Legend of the progress chart">'
        f'<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><rect y="4" width="16" height="8" fill="{svg.BLUE}"/></svg> work</li>'
        f'<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><rect y="6" width="16" height="4" fill="{svg.ORANGE}"/></svg> review</li>'
        "<li>⚠ stale</li></ul>"
    )
    return _section(
        "tasks",
        "Labeling tasks",
        f'<p class="lead">{lead}</p>{legend}{chart}{_table(head, rows, caption="Tasks, stale first", class_="tasks")}',
        data_tasks=tv.total,
        data_stale=tv.stale,
    )


# -- the run -----------------------------------------------------------------------------


def _step_row(step: Step, group: str, css: str = "") -> str:
    return (
        f"<tr{attrs(class_=css or None, data_step=step.name, data_group=group, data_rows=step.rows, data_requests=step.requests, data_retries=step.retries, data_throttled=step.throttled, data_elapsed=f'{step.elapsed:.6f}')}>"
        f"<th scope=row>{esc(step.name)}</th>{_td(esc(num(step.rows)), True)}{_td(esc(seconds(step.elapsed)), True)}"
        f"{_td(esc(num(step.requests)), True)}{_td(esc(num(step.retries)), True)}{_td(esc(num(step.throttled)), True)}</tr>"
    )


def _run(data: ReportData, build: RunLog) -> str:
    read = data.snapshot.run
    total = read.totals
    if total.requests:
        lead = (
            f"Read from {esc(data.snapshot.origin)}: {num(total.requests)} requests, {num(total.retries)} retries, "
            f"{num(total.throttled)} throttled answers waited out, in {esc(seconds(total.elapsed))}."
        )
    else:
        lead = f"Read from {esc(data.snapshot.origin or 'frames given in Python')}: no API request was made by this report."
    steps = [*read.steps, *build.steps]
    chart = (
        svg.bar_chart(
            [
                svg.Bar(
                    s.name, s.elapsed, seconds(s.elapsed), f"{s.name}: {seconds(s.elapsed)}, {num(s.requests)} requests"
                )
                for s in steps
            ],
            ident="run-steps",
            title="Elapsed time per step",
            desc="Horizontal bars: wall time of each step of reading the inventories and building this report.",
            colour=svg.SKY,
            label_width=200,
        )
        if steps
        else ""
    )
    rows = [_step_row(s, "read") for s in read.steps] + [_step_row(s, "build") for s in build.steps]
    everything = RunLog([*read.steps, *build.steps]).totals
    rows.append(_step_row(everything, "total", "total"))
    table = _table(
        [
            ("Step", False),
            ("Rows", True),
            ("Elapsed", True),
            ("Requests", True),
            ("Retries", True),
            ("Throttled", True),
        ],
        rows,
        caption="Steps (reading, then building the report)",
        class_="run",
    )
    return _section(
        "run",
        "This run",
        f'<p class="lead">{lead}</p><p class="note">Requests, retries and throttled answers are the client\'s counters '
        "over each step; elapsed is wall time.</p>"
        f"{chart}{table}",
        data_requests=total.requests,
        data_retries=total.retries,
        data_throttled=total.throttled,
    )


# -- the page ----------------------------------------------------------------------------


def render(data: ReportData, build: RunLog | None = None) -> str:
    """The whole page. ``build`` holds the steps of building the report so far; the
    rendering of the other sections is added to it before the run section is drawn."""
    build = build or RunLog()
    start = time.perf_counter()
    sections = [_summary(data), _class_balance(data), _splits(data), _versions(data), _tasks(data)]
    build.steps.append(Step("render page", time.perf_counter() - start))
    sections.append(_run(data, build))
    snap = data.snapshot
    app = f"{snap.user_id or '?'} / {snap.app_id or '?'}"
    nav = "".join(f'<li><a href="#{esc(ident)}">{esc(title)}</a></li>' for ident, title in SECTIONS)
    subtitle = f"Inventories taken {when(snap.taken_at)}" if snap.taken_at else "Inventories"
    subtitle += f" from {snap.api_base}" if snap.api_base else f" from {snap.origin}" if snap.origin else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        f'<meta name="generator" content="clarifai-connector {esc(data.version)}">'
        f'<meta name="report-generated-at" content="{esc(iso(data.generated_at))}">'
        f"<title>{esc(data.title)}</title>"
        '<link rel="icon" href="data:,">'
        f"<style>{STYLE}</style></head><body>"
        '<a class="skip" href="#main">Skip to the report</a>'
        f'<header class="top"><h1>{esc(data.title)}</h1><p>App <span class="id">{esc(app)}</span> · {esc(subtitle)}</p>'
        f'<nav aria-label="Sections"><ol>{nav}</ol></nav></header>'
        f'<main id="main">{"".join(sections)}</main>'
        f"<footer>Made by clarifai-connector {esc(data.version)} on {esc(when(data.generated_at))}. A static page: "
        "no script, nothing fetched; it opens offline. Tables show the top rows; the inventories hold the rest.</footer>"
        "</body></html>\n"
    )


__all__ = ["CSP", "SECTIONS", "render"]
