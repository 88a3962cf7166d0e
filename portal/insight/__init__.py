"""Program insight: the figures that show what the advocacy program achieves.

Each family of figures is a small module that registers itself with
`portal.insight.figures.figure` (advocates, participation, asks, qualified
advocates, recognition); the staff page (`insight/manage.py`) draws every
registered figure for one period, compared with the period before it.
"""
