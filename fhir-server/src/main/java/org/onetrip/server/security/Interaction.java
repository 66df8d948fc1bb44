package org.onetrip.server.security;

/** What a request does to a resource type, in SMART v2 scope letters (c r u d s). */
public enum Interaction {
	CREATE('c'), READ('r'), UPDATE('u'), DELETE('d'), SEARCH('s');

	private final char letter;

	Interaction(char letter) {
		this.letter = letter;
	}

	public char letter() {
		return letter;
	}
}
