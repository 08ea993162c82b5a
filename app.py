"""Attention Lab: the frame. Page config, the shared sidebar, and the router."""

import streamlit as st

from ui import resources, sidebar
from ui.pages import PAGES

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide")

page = st.navigation([st.Page(p.path, title=p.title, icon=p.icon, default=not p.url, url_path=p.url or None)
                      for p in PAGES])
sidebar.render()
page.run()
resources.freeze_long_lived()  # once per process: see its docstring
