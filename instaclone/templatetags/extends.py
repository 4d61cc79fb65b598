"""`{% extends %}` as Django's, with the blocks of a root template found once.

To render a template that extends the site's layout, Django's node walks the layout's
whole node tree to find its blocks, on every render: a twentieth of the home feed's time.
A compiled template's tree does not change, so its blocks are kept on the template object
(the cached loader reuses those objects; a template compiled anew gets its own). Installed
as a template builtin, so templates keep writing `{% extends %}`.
"""

from django import template
from django.template.base import Parser, Template, TextNode, Token
from django.template.context import Context
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
    do_extends,
)
from django.utils.safestring import SafeString

register = template.Library()


def _root_blocks(parent: Template) -> dict[str, BlockNode] | None:
    """The blocks of `parent` if it extends nothing (its first node that is not text is
    not an `{% extends %}`), else None."""
    try:
        return parent._root_blocks  # type: ignore[attr-defined]
    except AttributeError:
        pass
    blocks = None
    first = next((node for node in parent.nodelist if not isinstance(node, TextNode)), None)
    if first is not None and not isinstance(first, ExtendsNode):
        blocks = {node.name: node for node in parent.nodelist.get_nodes_by_type(BlockNode)}
    parent._root_blocks = blocks  # type: ignore[attr-defined]
    return blocks


class KeptBlocksExtendsNode(ExtendsNode):
    def render(self, context: Context) -> SafeString:
        # Django's ExtendsNode.render, but for where the root's blocks come from.
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        root_blocks = _root_blocks(compiled_parent)
        if root_blocks is not None:
            # add_blocks reads the mapping, never changes it: one serves every render.
            block_context.add_blocks(root_blocks)
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag
def extends(parser: Parser, token: Token) -> ExtendsNode:
    node = do_extends(parser, token)
    return KeptBlocksExtendsNode(node.nodelist, node.parent_name, node.template_dirs)
