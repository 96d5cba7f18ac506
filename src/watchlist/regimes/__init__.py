"""The regime taxonomy: publishers' programme and regime labels mapped to common regimes."""
