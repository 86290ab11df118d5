# Install rules and the find_package(conventiond) config: see docs/writing-a-connector.md
