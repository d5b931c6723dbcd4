// Node + tsx start-up with nothing to load: the floor under the cold-start figure.
