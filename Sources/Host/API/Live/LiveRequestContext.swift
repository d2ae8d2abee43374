import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the live feed's upgrade requests: Hummingbird's WebSocket one, keeping
/// the connection's channel so that a client that stops reading can be cut off.
package struct LiveRequestContext: RequestContext, WebSocketRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let webSocket: WebSocketHandlerReference<LiveRequestContext>
    let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
