"""Google: GA4's first-party cookies, the Analytics User Deletion API, the Admin API's data
retention settings, and the service-account auth both APIs share (one home for Google)."""
