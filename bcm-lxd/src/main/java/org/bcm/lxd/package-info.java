/**
 * A small client for the LXD REST API: {@link org.bcm.lxd.LxdClient} over the local unix socket
 * or HTTPS with a pinned server certificate, immutable records for what is asked ({@code *Spec})
 * and what is observed, {@link org.bcm.lxd.Operation} for LXD's background operations, and one
 * unchecked exception root, {@link org.bcm.lxd.LxdException}.
 *
 * <p>No third-party type appears in the public API. Logging goes through SLF4J at debug level.
 */
package org.bcm.lxd;
