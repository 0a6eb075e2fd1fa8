//! XML tree with byte spans.
