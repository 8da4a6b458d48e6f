package org.bcm.core.identity;

import java.util.regex.Pattern;

/**
 * The characters bcm accepts in the user and host of an identity ({@code user@host[:port]}: the ssh
 * identities of {@code bcm ssh}, and {@code bcm init --username/--hostname}). These names end up on
 * command lines (ssh's {@code -l USER} and destination), in files read line by line
 * ({@code ssh/identities}, {@code authorized_keys}) and in the identity URIs the device derives keys
 * for, so only a safe set is accepted: never a leading {@code -} (an option to ssh), whitespace (a
 * field separator) or a control character.
 *
 * <ul>
 *   <li>user: 1 to 32 of {@code A-Z a-z 0-9 _ . -}, not starting with {@code -} or {@code .}
 *       (POSIX's portable user-name characters);</li>
 *   <li>host: a DNS name or IPv4 address, at most 253 characters: labels of {@code A-Z a-z 0-9 -},
 *       1 to 63 characters, not starting or ending with {@code -}, joined by single dots;</li>
 *   <li>port: 1 to 65535.</li>
 * </ul>
 */
public final class LoginNames {

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private LoginNames() {
    }

    /** The rule for users, as error messages and the documentation state it. */
    public static final String USER_RULE = "1 to 32 letters, digits, '_', '.' or '-', not starting with '-' or '.'";
    /** The rule for hosts, as error messages and the documentation state it. */
    public static final String HOST_RULE = "a DNS name or IPv4 address: letters, digits, '-' and single dots, no leading '-'";

    /** Whether {@code user} is a user name from the safe set. */
    public static boolean validUser(String user) {
        return user != null && USER.matcher(user).matches();
    }

    /** Whether {@code host} is a host name or IPv4 address from the safe set. */
    public static boolean validHost(String host) {
        if (host == null || host.isEmpty() || host.length() > 253) {
            return false;
        }
        for (String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code port} is a TCP port, 1 to 65535, written without sign or leading zero. */
    public static boolean validPort(String port) {
        if (port == null || !port.matches("[1-9][0-9]{0,4}")) {
            return false;
        }
        return Integer.parseInt(port) <= 65535;
    }
}
