"""GraphQL API over the graph and the model (see issue 4)."""
