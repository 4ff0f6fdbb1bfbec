import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether the HTTP address can be listened on, checked before anything starts, so a taken port
/// is one clear line naming the setting instead of a socket error after "started".
enum HTTPBindCheck {
    /// Nil when `host:port` can be bound now (the listener binds it a moment later, as Hummingbird
    /// does, with SO_REUSEADDR); otherwise what is wrong, naming the setting.
    static func problem(host: String, port: Int) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            return "http.bind (ITSM_HTTP_BIND) \(host):\(port): '\(host)' is not an address or host name of this machine (\(String(cString: gai_strerror(status))))"
        }
        defer { freeaddrinfo(first) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }  // no socket to try with: let the listener report
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 else { return nil }
        let error = errno
        let why = switch error {
        case EADDRINUSE: "the address is already in use (another itsm-scheduler, or another program, listens there); set ITSM_HTTP_BIND to a free one"
        case EADDRNOTAVAIL: "the address is not one of this machine's"
        case EACCES: "not allowed to listen there (ports below 1024 need privileges); choose a port above 1023"
        default: String(cString: strerror(error))
        }
        return "http.bind (ITSM_HTTP_BIND) \(host):\(port): \(why)"
    }
}
