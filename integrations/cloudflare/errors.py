class CloudflareError(Exception):
    """Base of Cloudflare failures; never raised itself."""


class CloudflareUnavailable(CloudflareError):
    """Timeouts, refused connections and 5xx: try again later; nothing was changed."""


class CloudflareRejected(CloudflareError):
    """An answer we cannot use (4xx, or a list that does not parse as IP networks)."""
