"""Attention Lab: the frame. Page config, the shared sidebar, and the router."""

import streamlit as st

from ui import state

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide",
                   initial_sidebar_state="expanded")

PAGES = [
    st.Page("views/sentence_lab.py", title="Sentence Lab", icon=":material/compare_arrows:", default=True),
]

page = st.navigation(PAGES)
state.render_sidebar()
page.run()
