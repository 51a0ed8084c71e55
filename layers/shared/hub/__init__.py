"""The hub: the connector's own record of orders, SKUs, locations and sync cursors in DynamoDB."""
