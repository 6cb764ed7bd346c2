"""``{% shell %}…{% endshell %}``: a Django page inside the Jinja2 shell (shequtong/jinja2/shell/base.jinja).

base.html is nothing but this tag around the shell's blocks. The tag renders each block as Django
renders any block (the page's own version, ``{{ block.super }}`` and all), then renders the shell
with the blocks as ``slots`` and the shell's values from the page's context (the context processors
put them there). So the shell's markup has one source for Django and Jinja2 pages alike.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# What shell/base.jinja reads besides its slots (web/context_processors.shell, messages, csrf).
SHELL_VALUES = ("elder_mode", "messages", "shell_tabs", "shell_unread", "shell_version_label", "shell_versions")


class ShellNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist  # walked by {% extends %} for the blocks a page overrides
        self.blocks: list[BlockNode] = nodelist.get_nodes_by_type(BlockNode)  # type: ignore[assignment]

    def render(self, context: template.Context) -> SafeString:
        values: dict[str, Any] = {name: context.get(name) for name in SHELL_VALUES}
        values["slots"] = {block.name: block.render(context) for block in self.blocks}
        html = engines["jinja2"].get_template("shell/base.jinja").render(values, context.get("request"))
        return mark_safe(html)  # noqa: S308 - Jinja2 autoescaped it


@register.tag("shell")
def do_shell(parser: template.base.Parser, token: template.base.Token) -> ShellNode:
    nodelist = parser.parse(("endshell",))
    parser.delete_first_token()
    return ShellNode(nodelist)
