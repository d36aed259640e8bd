"""Read an app report's HTML back into numbers, with the standard library's parser.

The page carries its figures in ``data-*`` attributes (the visible text is formatted
for people); this module builds a small element tree and reads those attributes, so
tests compare numbers, not strings found by grep.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

#: Elements that never have an end tag in HTML.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclasses.dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = None
    children: list[Element] = dataclasses.field(default_factory=list)
    #: Text and child elements in document order.
    content: list[Element | str] = dataclasses.field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: Any) -> list[Element]:
        """Descendants (self included) with ``tag`` whose attributes match: a value, or
        ``True`` for "present"; ``data_x`` names ``data-x``."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        out = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            if all(
                (name in el.attrs) if value is True else el.attrs.get(name) == value for name, value in wanted.items()
            ):
                out.append(el)
        return out

    def find(self, tag: str | None = None, **attrs: Any) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text for part in self.content)

    def int(self, name: str) -> int:
        value = self.attrs.get(name)
        assert value is not None, f"<{self.tag}> has no {name}: {self.attrs}"
        return int(value)

    def float(self, name: str) -> float:
        value = self.attrs.get(name)
        assert value is not None, f"<{self.tag}> has no {name}: {self.attrs}"
        return float(value)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.start_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start_tags.append(tag)
        el = Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        self.current.content.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start_tags.append(tag)
        el = Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        self.current.content.append(el)

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"unbalanced </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


@dataclasses.dataclass
class ReportPage:
    """A parsed report, with readers for each section's numbers."""

    root: Element
    #: Every start tag in document order (to assert that no ``script`` appears).
    start_tags: list[str]

    @classmethod
    def parse(cls, html: str) -> ReportPage:
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
        return cls(builder.root, builder.start_tags)

    def section(self, ident: str) -> Element:
        return self.root.find("section", id=ident)

    # -- summary
    def inventory_rows(self) -> dict[str, int | None]:
        return {
            str(tr.attrs["data-inventory"]): (int(tr.attrs["data-rows"]) if tr.attrs.get("data-rows") else None)  # type: ignore[arg-type]
            for tr in self.section("summary").find_all("tr", data_inventory=True)
        }

    # -- class balance
    def concept_counts(self, dataset: str | None = None) -> tuple[dict[str, int], int, Element]:
        """``({concept: inputs}, inputs without a concept, the table)`` of the app or a dataset."""
        section = self.section("class-balance")
        table = (
            section.find("table", data_population="app")
            if dataset is None
            else section.find("table", data_population="dataset", data_dataset=dataset)
        )
        counts = {
            str(tr.attrs["data-concept"]): tr.int("data-inputs") for tr in table.find_all("tr", data_concept=True)
        }
        unlabeled = table.find("tr", data_unlabeled=True).int("data-inputs")
        return counts, unlabeled, table

    def datasets_in_balance(self) -> list[str]:
        return [
            str(t.attrs["data-dataset"])
            for t in self.section("class-balance").find_all("table", data_population="dataset")
        ]

    # -- splits
    def split(self, source: str) -> dict[str, Any]:
        article = self.section("splits").find("article", data_source=source)
        sizes = {str(tr.attrs["data-target"]): tr.int("data-inputs") for tr in article.find_all("tr", data_split=True)}
        shares: dict[str, dict[str, tuple[int, float]]] = {}
        for tr in article.find("table", class_="split-shares").find_all("tr", data_concept=True):
            concept = str(tr.attrs["data-concept"])
            shares[concept] = {
                "source": (tr.int("data-source-inputs"), tr.float("data-source-share")),
                **{
                    str(td.attrs["data-target"]): (td.int("data-inputs"), td.float("data-share"))
                    for td in tr.find_all("td", data_target=True)
                },
            }
        return {
            "source_inputs": article.int("data-source-inputs"),
            "app": "data-app" in article.attrs,
            "sizes": sizes,
            "shares": shares,
            "leaked": article.int("data-leaked"),
            "missing": article.int("data-missing"),
            "outside": article.int("data-outside"),
            "element": article,
        }

    def split_sources(self) -> list[str]:
        return [str(a.attrs["data-source"]) for a in self.section("splits").find_all("article", data_source=True)]

    # -- versions
    def version_counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for tr in self.section("versions").find("table", class_="version-counts").find_all("tr", data_dataset=True):
            out[str(tr.attrs["data-dataset"])] = {
                k: tr.int(f"data-{k}") for k in ("total", "ready", "failed", "pending", "other", "trained")
            } | ({"would_delete": tr.int("data-would-delete")} if "data-would-delete" in tr.attrs else {})
        return out

    def versions(self) -> dict[tuple[str, str], dict[str, str | None]]:
        rows = self.section("versions").find("table", class_="versions").find_all("tr", data_version=True)
        return {(str(tr.attrs["data-dataset"]), str(tr.attrs["data-version"])): tr.attrs for tr in rows}

    # -- tasks
    def tasks(self) -> dict[str, dict[str, str | None]]:
        return {str(tr.attrs["data-task"]): tr.attrs for tr in self.section("tasks").find_all("tr", data_task=True)}

    # -- run
    def steps(self) -> dict[str, dict[str, str | None]]:
        return {str(tr.attrs["data-step"]): tr.attrs for tr in self.section("run").find_all("tr", data_step=True)}


__all__ = ["Element", "ReportPage"]
