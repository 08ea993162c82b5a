"""Attention Lab: the frame. Page config, the shared sidebar, and the router."""

import streamlit as st

from ui import state

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide",
                   initial_sidebar_state="expanded")

PAGES = [
    st.Page("views/sentence_lab.py", title="Sentence Lab", icon=":material/compare_arrows:", default=True),
    st.Page("views/step_by_step.py", title="Step by step", icon=":material/format_list_numbered:"),
    st.Page("views/why_scale.py", title="Why scale?", icon=":material/straighten:"),
    st.Page("views/why_projections.py", title="Why projections?", icon=":material/call_split:"),
    st.Page("views/learned.py", title="Learned projections", icon=":material/school:"),
]

page = st.navigation(PAGES)
state.render_sidebar()
page.run()
