"""The JSON API's shared parts: the OpenAPI document and its browsable docs."""
