"""moto's server with the one Glue behaviour our commits rely on that moto 5.2.5 leaves out: UpdateTable with a
VersionId that is no longer the table's current version fails with ConcurrentModificationException, as the Glue
API documents ("VersionId: the version ID at which to update the table contents"). Everything else is moto as is.
Usage: python moto_glue_server.py -H 127.0.0.1 -p <port>"""
import sys

from moto.glue import responses
from moto.glue.exceptions import GlueClientError
from moto.server import main


class ConcurrentModificationException(GlueClientError):
    def __init__(self, message):
        super().__init__("ConcurrentModificationException", message)


_update_table = responses.GlueResponse.update_table


def update_table(self):
    version = self.parameters.get("VersionId")
    if version is not None:
        table = self.glue_backend.get_table(self.parameters.get("DatabaseName"), self.parameters["TableInput"]["Name"])
        if str(table._current_version) != str(version):
            raise ConcurrentModificationException(
                f"Update table failed due to concurrent modifications: version {version} is not the current {table._current_version}"
            )
    return _update_table(self)


responses.GlueResponse.update_table = update_table

if __name__ == "__main__":
    main(sys.argv[1:])
