"""The one page registry: app.py, the tests and bench/ all read it."""

from __future__ import annotations

from typing import NamedTuple


class PageInfo(NamedTuple):
    path: str  # the script, relative to the repository
    title: str
    icon: str
    url: str  # the page's own address ("" = the default page)


PAGES: tuple[PageInfo, ...] = (
    PageInfo("views/sentence_lab.py", "Sentence Lab", ":material/compare_arrows:", ""),
    PageInfo("views/lesson.py", "Guided lesson", ":material/menu_book:", "lesson"),
    PageInfo("views/step_by_step.py", "Step by step", ":material/format_list_numbered:", "step_by_step"),
    PageInfo("views/why_scale.py", "Why scale?", ":material/straighten:", "why_scale"),
    PageInfo("views/why_projections.py", "Why projections?", ":material/call_split:", "why_projections"),
    PageInfo("views/learned.py", "Learned projections", ":material/school:", "learned"),
    PageInfo("views/word_order.py", "Word order", ":material/swap_horiz:", "word_order"),
    PageInfo("views/multi_head.py", "Multi-head", ":material/view_column:", "multi_head"),
    PageInfo("views/transformer_block.py", "Transformer block", ":material/view_agenda:", "transformer_block"),
    PageInfo("views/exercises.py", "Exercises", ":material/edit_note:", "exercises"),
    PageInfo("views/rnn_vs_attention.py", "RNN vs attention", ":material/timeline:", "rnn_vs_attention"),
)
