"""Attention Lab: the frame. Page config, the shared sidebar, and the router."""

import streamlit as st

from ui import resources, run_queue, sidebar
from ui.pages import PAGES

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide")

# The page objects are made once per session, not on every rerun: each st.Page resolves its file's path
# (realpath + stat), ~10 % of the server's CPU in a burst of 30 sessions (py-spy). Not once per process:
# st.navigation flags the chosen page object as callable, and sessions sharing one object would race on it.
pages = st.session_state.get("_pages") or st.session_state.setdefault("_pages", [
    st.Page(p.path, title=p.title, icon=p.icon, default=not p.url, url_path=p.url or None) for p in PAGES])
page = st.navigation(pages)
with run_queue.run_slot():  # one page run at a time per process: see its docstring
    sidebar.render()
    page.run()
resources.freeze_long_lived()  # once per process: see its docstring
