package org.bcm.cli;

/**
 * Marks a command that changes the bcm home (definitions, secrets, the identity, the password
 * store, recorded keys): {@link Bcm} runs it holding the home's lock
 * ({@link org.bcm.core.home.HomeLock}), so two such commands on one home run one after the other.
 * Commands that only read, and the long-running agents and servers, do not take it.
 */
interface ChangesHome {
}
