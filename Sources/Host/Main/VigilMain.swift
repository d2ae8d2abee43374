import VigilCommands

/// The `vigil` executable: the commands live in the libraries next to this folder.
@main
enum VigilMain {
    static func main() async { await Vigil.main() }
}
