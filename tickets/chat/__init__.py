"""Chat and social channels: one inbound webhook (/inbound/messages/) and the web chat widget.

Outbound: agent replies are not pushed from here. Every message already publishes a
`message.created` webhook event (webhooks app); the integration subscribes to it, keeps the
messages with `sender == "agent"`, `kind == "public"` on tickets whose channel is chat or social,
and finds the conversation to deliver to with GET /inbound/messages/conversations/?ticket=<id>.
"""
