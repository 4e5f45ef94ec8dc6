"""Read models and documents: PDF (reportlab, CJK font) and XLSX (openpyxl)."""
