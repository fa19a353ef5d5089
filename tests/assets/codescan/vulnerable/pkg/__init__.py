"""A package inside the corpus, so recursion is exercised."""
