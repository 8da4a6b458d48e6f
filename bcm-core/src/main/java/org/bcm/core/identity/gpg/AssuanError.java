package org.bcm.core.identity.gpg;

/**
 * An Assuan {@code ERR} answer as gpg-agent writes it: {@code ERR <value> <description> <SOURCE>
 * [- <detail>]}, where {@code value = source << 24 | code} (libgpg-error {@code gpg_err_make}); gpg
 * reads only the number. The codes and texts are libgpg-error's ({@code err-codes.h}); the source is
 * {@code GPG Agent} (4), or {@code Pinentry} (5) for a cancellation, as gpg-agent reports a
 * cancelled pinentry.
 */
final class AssuanError extends Exception {

    private static final long serialVersionUID = 1L;

    /** The libgpg-error codes this agent answers with. */
    enum Code {
        GENERAL(1, "General error"),
        NO_SECKEY(17, "No secret key"),
        NOT_FOUND(27, "Not found"),
        NO_DATA(58, "No data"),
        NOT_SUPPORTED(60, "Not supported"),
        NOT_IMPLEMENTED(69, "Not implemented"),
        INV_SEXP(83, "Invalid S-expression"),
        UNSUPPORTED_ALGORITHM(84, "Unsupported algorithm"),
        BAD_DATA(89, "Bad data"),
        CANCELED(99, "Operation cancelled"),
        NO_SCDAEMON(119, "No SmartCard daemon"),
        WRONG_KEY_USAGE(125, "Wrong key usage"),
        FALSE(256, "False"),
        LINE_TOO_LONG(263, "Line passed to IPC too long"),
        TOO_MUCH_DATA(273, "Too much data for IPC layer"),
        UNEXPECTED_COMMAND(274, "Unexpected IPC command"),
        UNKNOWN_COMMAND(275, "Unknown IPC command"),
        SYNTAX(276, "IPC syntax error"),
        IPC_CANCELED(277, "IPC call has been cancelled"),
        PARAMETER(280, "IPC parameter error"),
        /** {@code GPG_ERR_ENOENT}: a system error code (0x8000 | errno 2). */
        ENOENT(0x8000 | 81, "No such file or directory");

        final int code;
        final String description;

        Code(int code, String description) {
            this.code = code;
            this.description = description;
        }
    }

    static final int SOURCE_GPG_AGENT = 4;
    static final int SOURCE_PINENTRY = 5;

    private final Code code;
    private final int source;
    private final String detail;

    AssuanError(Code code, String detail) {
        this(code, SOURCE_GPG_AGENT, detail);
    }

    AssuanError(Code code, int source, String detail) {
        super(code.description + (detail == null ? "" : ": " + detail));
        this.code = code;
        this.source = source;
        this.detail = detail;
    }

    Code code() {
        return code;
    }

    /** The number gpg reads: {@code source << 24 | code}. */
    int value() {
        return source << 24 | code.code;
    }

    /** The whole line without LF; the detail is cut to 200 characters and control characters become blanks. */
    String line() {
        String text = "ERR " + value() + " " + code.description + (source == SOURCE_PINENTRY ? " <Pinentry>" : " <GPG Agent>");
        if (detail != null && !detail.isBlank()) {
            String clean = detail.replaceAll("[\\p{Cntrl}]", " ");
            text += " - " + (clean.length() > 200 ? clean.substring(0, 200) : clean);
        }
        return text;
    }
}
