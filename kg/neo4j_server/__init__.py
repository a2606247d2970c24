"""Assets of the local Neo4j runner: the Maven pom and the Java launcher."""
