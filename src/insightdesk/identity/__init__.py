"""Identity resolution: one person across helpdesks, CRM, surveys and channels, with a review queue."""
