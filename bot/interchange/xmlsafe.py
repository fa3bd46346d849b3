"""XML from files or URLs, parsed safely and with the line of every element.

``defusedxml`` refuses entity declarations (no "billion laughs" expansion) and external
entities or DTDs (nothing is fetched); the tree builder notes each element's line so that a
problem can be reported as ``SOURCE:LINE``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser


class XmlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _LineBuilder(ET.TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.expat: object = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[element] = getattr(self.expat, "CurrentLineNumber", 0)
        return element


def parse_xml(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The root element and each element's line; :class:`XmlError` if the XML is broken or
    declares entities or external resources."""
    builder = _LineBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        line = getattr(parser.parser, "CurrentLineNumber", 1) or 1
        raise XmlError(
            line, f"refused: the XML declares entities or external resources ({exc})"
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise XmlError(line, f"not well-formed XML ({exc})") from None
    return root, builder.lines
