"""Read models and documents: PDF (reportlab, CJK font) and XLSX (openpyxl)."""

import os

# reportlab checks every attribute set on a chart's shapes as it is set ("a big help when developing", in its
# own words): most of the drawing time of the province roll-up's charts, measured. The charts' attributes
# are ours, and the documents' tests draw every chart. Read by reportlab when it is first imported.
os.environ.setdefault("RL_shapeChecking", "0")
