"""Movements: journey plans, SOP checks, joint approval, escorts and need-to-know orders."""
