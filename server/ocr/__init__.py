"""OCR providers behind one interface (see base.OcrProvider)."""
