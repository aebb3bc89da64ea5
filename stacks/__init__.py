"""Deployable units. A stack only composes constructs from cdk_constructs and passes props."""
