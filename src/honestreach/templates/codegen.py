"""The code Jinja2 compiles a template to, with the operations that build text routed through
the environment (:class:`~honestreach.templates.environment.TemplateEnvironment`), which
measures them before they are built."""

from __future__ import annotations

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst


class GuardedCodeGenerator(CodeGenerator):
    """Routes each operand of ``~`` and its result through the environment, so text doubled
    again and again, or a huge list written out, is stopped before it is joined."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.checked_size({join}((")
        for argument in node.nodes:
            self.write("environment.concat_part(")
            self.visit(argument, frame)
            self.write("), ")
        self.write(")))")

    @optimizeconst
    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        """Slices too go through the environment (Jinja writes them as Python slices)."""
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.slice_of(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for index, bound in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            if index:
                self.write(", ")
            if bound is None:
                self.write("None")
            else:
                self.visit(bound, frame)
        self.write("))")
        return None
