"""Scenes: the tutorial's set-ups, one click (or one link, ``?scene=bank``) away.

A scene is a set of sidebar values; every other sidebar control goes back to its default
(except in "plain", which only switches the mechanism back to the tutorial's first version).
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from ui import controls


class Scene(NamedTuple):
    label: str  # on the button
    values: dict  # control key -> id / value
    keep_others: bool = False  # True: only these controls change


PLAIN = {"projections": "off", "residual": False}
SCENES: dict[str, Scene] = {
    "apple": Scene("Apple story", {}),
    "plain": Scene("Plain attention", PLAIN, keep_others=True),
    "toy": Scene("2-D example", {"embeddings": "toy", "s1": "love apple phones", "s2": "love apple juice",
                                          "scale": False, **PLAIN}),
    "cat": Scene("Ex. 2: cat sat mat", {"embeddings": "toy", "s1": "cat sat mat", "s2": "", "target": "cat",
                                             "scale": False, **PLAIN}),
    "bank": Scene("Ex. 1: river bank", {"s1": "The bank by the river has steep slopes",
                                             "s2": "I deposited money at the bank", "target": "bank"}),
    "random": Scene("Random vectors", {"embeddings": "random", **PLAIN}),
    "reset": Scene("Reset all", {}),
}


def _widget_value(c: controls.Control, value):
    """What the widget holds for an id (selects hold their label)."""
    return c.options[value] if c.options else value


def apply(name: str) -> None:
    """Set the sidebar to scene ``name`` (in session state; the bound widgets then write the link)."""
    scene = SCENES[name]
    for c in controls.SIDEBAR:
        if c.key in scene.values:
            value = scene.values[c.key]
        elif scene.keep_others:
            continue
        else:
            value = c.default
        st.session_state[c.key] = _widget_value(c, value)
    st.session_state.pop("upload_file", None)  # a scene never uses an upload


def apply_from_link() -> None:
    """``?scene=name`` in the address: apply it once, then drop it from the address."""
    name = st.query_params.get("scene")
    if name is None:
        return
    del st.query_params["scene"]
    if name in SCENES:
        apply(name)
        for c in controls.SIDEBAR:  # the link's own values must not override the scene's
            if c.key in st.query_params:
                del st.query_params[c.key]


def buttons() -> None:
    """One row of scene buttons; a click applies the scene (the link ``?scene=...`` does the same)."""
    def on_pick():
        pick = st.session_state.get("scene_pick")
        st.session_state["scene_pick"] = None
        if pick:
            apply({s.label: k for k, s in SCENES.items()}[pick])

    st.pills("Scenes from the tutorial", [s.label for s in SCENES.values()], key="scene_pick", on_change=on_pick,
             label_visibility="collapsed")
