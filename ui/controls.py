"""The table of controls: one row per control, and everything derived from it.

Each ``Control`` row says a control's key, label, default, kind, options or limits,
help and whether it is in the link. From the table come:

* the widgets (``widget(key)``: the sidebar builds its rows, a page builds its own);
* the link sanitizer (``sanitize_query_params``): a value in the URL that the widget
  could not accept (``?d_k=-3``, ``?embeddings=nope``) is dropped before widgets are built;
* ``LINK_NAMES``, the labels a reader sees for a link's parameters;
* ``Settings``, a frozen dataclass with one field per row, validated (``current_settings``).

Adding a URL-bound control is one row here plus its use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import streamlit as st
from streamlit.errors import StreamlitAPIException

import attention_core as ac
from ui.control_rows import CONTROLS, Control

BY_KEY = {c.key: c for c in CONTROLS}
SIDEBAR = tuple(c for c in CONTROLS if c.section)
LINK_NAMES = {c.key: c.label for c in CONTROLS if c.in_link}  # the labels a reader sees for a link's parameters

Settings = dataclasses.make_dataclass("Settings", [(c.key, object) for c in SIDEBAR], frozen=True)
Settings.__doc__ = "The shared settings, one field per sidebar row of CONTROLS, validated: a page trusts every field."
DEFAULTS = Settings(**{c.key: (c.parse or (lambda v: v))(c.default) for c in SIDEBAR})


# --- URL hygiene ----------------------------------------------------------------

def _accepts(c: Control, raw: str) -> bool:
    """Would the widget accept ``raw`` from the URL?"""
    if c.kind in ("select", "radio", "segmented", "tabs"):
        return raw in c.options.values()
    if c.kind == "toggle":
        return raw.lower() in ("true", "false")
    if c.kind == "number":
        try:
            value = type(c.default)(raw)  # int rows refuse "1.5"; float rows take it
        except ValueError:
            return False
        return bool(c.limits[0] <= value <= c.limits[1])  # (NaN compares False: refused)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def fit_text(c: Control, text: str) -> str:
    """``text`` made a value row ``c`` can hold and put in a link: lone surrogates removed
    (``clean_text``: else ``UnicodeEncodeError`` in the link binding), cut to ``max_chars``."""
    text = str(text) if _encodable(str(text)) else ac.clean_text(str(text))
    return text[:c.max_chars] if c.max_chars is not None else text


def clean_text_state() -> list[str]:
    """Make every text row's value in this session fit (before the widgets are built): a value set through
    session state (a test, a scene) or typed with a lone surrogate would otherwise escape as a traceback
    when Streamlit writes it into the link. Returns the keys that were changed."""
    changed = []
    for c in CONTROLS:
        value = st.session_state.get(c.key) if c.kind == "text" else None
        if isinstance(value, str) and fit_text(c, value) != value:
            st.session_state[c.key] = fit_text(c, value)
            changed.append(c.key)
    return changed


# A switch's value in a link, as a teacher may type it (Streamlit's link binding reads only "true"/"false");
# a bare ?present (no value) turns it on.
TOGGLE_WORDS = {**dict.fromkeys(("true", "1", "yes", "on", ""), "true"),
                **dict.fromkeys(("false", "0", "no", "off"), "false")}


def sanitize_query_params() -> list[str]:
    """Drop URL values the widgets could not accept, before the widgets are built.

    A text value that is too long for its row (or not encodable) is not dropped but fitted: the link
    keeps what the box can hold, and the keys go to ``st.session_state[CUT_KEY]`` for a notice. A switch
    written 1/0, yes/no, on/off or bare (``?present``) is rewritten true/false, a choice written by its short
    name or in other letter case is rewritten to its label (``_spelled``), not reset.
    Returns the keys of the parameters that were reset to their defaults.
    """
    qp = st.query_params
    cut = []
    for c in CONTROLS:
        if c.kind == "text" and c.in_link and c.key in qp and len(qp.get_all(c.key)) == 1:
            raw = qp.get_all(c.key)[0]
            if fit_text(c, raw) != raw and _rewrite(qp, c.key, fit_text(c, raw)):
                st.session_state.pop(c.key, None)
                cut.append(c.key)
    st.session_state[CUT_KEY] = cut
    rewritten = False
    for c in CONTROLS:  # as people write it: ?present, ?present=1, ?scale=off; ?wp_part=all, ?tab=attention
        raw = qp.get_all(c.key) if c.in_link and c.key in qp else []
        said = _spelled(c, raw[0]) if len(raw) == 1 else None
        if said is not None and said != raw[0]:
            rewritten |= _rewrite(qp, c.key, said)
    if rewritten:  # the widgets' link binding reads the address as the run began: run again with the new one
        st.rerun()
    bad = [c.key for c in CONTROLS if c.in_link and c.key in qp
           and (len(qp.get_all(c.key)) != 1 or not _accepts(c, qp.get_all(c.key)[0]))]
    reset = [key for key in bad if _rewrite(qp, key, None)]
    for key in reset:
        st.session_state.pop(key, None)
    return reset


def _spelled(c: Control, raw: str) -> str | None:
    """The link value a teacher meant by ``raw``, when the widget would not take it as written: a switch's
    1/0, yes/no, on/off or bare (``TOGGLE_WORDS``); a choice's short name (its key, ``wp_part=all``) or its
    label in other letter case (``tab=attention``). None: nothing else to read it as."""
    if c.kind == "toggle":
        return TOGGLE_WORDS.get(raw.strip().lower())
    if c.kind in ("select", "radio", "segmented", "tabs") and raw not in c.options.values():
        if raw.strip() in c.options:
            return c.options[raw.strip()]
        return next((label for label in c.options.values() if label.lower() == raw.strip().lower()), None)
    return None


def _rewrite(qp, key: str, value: str | None) -> bool:
    """Set the link parameter ``key`` (or drop it: ``value`` None). False when its widget already holds it in
    this session (a later run of the same page, e.g. after the browser's Back button): Streamlit refuses to
    change a bound parameter then, and the widget's own value stands (it writes the address itself)."""
    try:
        if value is None:
            del qp[key]
        else:
            qp[key] = value
    except StreamlitAPIException:
        return False
    return True


CUT_KEY = "_link_text_cut"  # the text rows this run's link had to fit (said at the top of the page)


# --- widgets --------------------------------------------------------------------

def widget(key: str, where=None, **extra):
    """Build the widget of row ``key`` in ``where`` (default ``st``); returns the widget's value as an id.

    The row's default is always passed, also when the key already holds a value (a scene set it, or an
    earlier run: that value wins): Streamlit's link binding leaves a value equal to the widget's default
    out of the address, and without one a radio's "default" is its first option, a toggle's False, so a
    scene's "projections off, residual off" never reached the link. (Streamlit's warning about a default
    beside a value set through session state is off: .streamlit/config.toml.)
    """
    c, where = BY_KEY[key], where or st
    keep = {"bind": "query-params"} if c.in_link else {"persist_state": "session"}  # in the link, or kept
    common = dict(key=c.key, help=c.help, **keep, **extra)
    labels = list(common.pop("options", None) or c.options.values())
    if c.kind == "text":
        value = where.text_input(c.label, value=c.default, max_chars=c.max_chars, **common)
        if c.max_chars is not None and len(value) >= c.max_chars:  # the box cut a longer text (typed or pasted)
            where.caption(f"{c.max_chars} characters at most: a longer text is cut to its first {c.max_chars}.")
    elif c.kind in ("select", "radio"):
        index = labels.index(c.options[c.default]) if c.options[c.default] in labels else 0
        if c.kind == "select":
            value = where.selectbox(c.label, labels, index=index, **common)
        else:
            value = where.radio(c.label, labels, captions=list(c.captions), index=index, **common)
    elif c.kind == "segmented":
        default = c.options.get(c.default)
        value = where.segmented_control(c.label, labels, required=True, default=default if default in labels
                                        else labels[0], **common)
    elif c.kind == "number":
        step = {"step": c.step} if c.step else {}
        value = where.number_input(c.label, *c.limits, value=c.default, **step, **common)
    elif c.kind == "toggle":
        value = where.toggle(c.label, value=c.default, **common)
    else:
        raise ValueError(f"{c.kind} controls are built by their page")
    return _to_id(c, value)


def _to_id(c: Control, value):
    ids = {label: k for k, label in c.options.items()}
    return ids.get(value, c.default) if c.options else value


def _selected(key: str):
    """The id a select currently shows (the default before its widget exists)."""
    c = BY_KEY[key]
    return _to_id(c, st.session_state.get(key, c.options.get(c.default)))


def tabs(key: str):
    """The tabs of row ``key`` (bound to the link: the open tab is shared); the row's default opens first."""
    c = BY_KEY[key]
    return st.tabs(list(c.options.values()), default=c.options[c.default], key=c.key, bind="query-params")


def render_sidebar(extras: dict[str, Callable] | None = None) -> list[str]:
    """Every shared control, once per run (from app.py). ``extras[key](sidebar)`` runs after row ``key``.

    Returns the link parameters that were reset (for a notice at the top of the page)."""
    clean_text_state()
    reset = sanitize_query_params()
    sb, section, pending = st.sidebar, None, None
    for c in SIDEBAR:
        if c.section != section:
            section = c.section
            sb.header(section)
        if c.shown_when is not None and _selected(c.shown_when[0]) != c.shown_when[1]:
            continue
        if c.pair and pending is None:
            pending = sb.columns(2)
            widget(c.key, pending[0])
        elif pending is not None:
            widget(c.key, pending[1])
            pending = None
        else:
            widget(c.key, sb)
        if extras and c.key in extras:
            extras[c.key](sb)
    return reset


def current_settings() -> Settings:
    """The shared settings, validated: every field is a value its row allows (else its default)."""
    values = {}
    for c in SIDEBAR:
        raw = st.session_state.get(c.key)
        if raw is None:
            values[c.key] = getattr(DEFAULTS, c.key)
            continue
        value = _to_id(c, raw)
        if c.kind == "number":
            try:
                value = type(c.default)(value)
            except (TypeError, ValueError):
                value = c.default
            value = value if c.limits[0] <= value <= c.limits[1] else c.default
        elif c.kind == "toggle":
            value = bool(value)
        elif c.kind == "text":
            value = str(value)
        values[c.key] = c.parse(value) if c.parse else value
    return Settings(**values)


def mechanism(settings: Settings) -> ac.Mechanism:
    """The core's Mechanism for these settings: every switch of the lesson."""
    return ac.Mechanism(projections=settings.projections, d_k=settings.d_k, seed=settings.proj_seed,
                        scale=settings.scale, causal=settings.causal, residual=settings.residual,
                        positions=settings.positions)
