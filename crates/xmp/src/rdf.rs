//! RDF value model.
