"""Shipped data: TCGA project table, GTEx tissues, TSS codes, gene reference, synthetic samples."""
