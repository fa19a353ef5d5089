"""Commands built from user input and handed to a shell."""

import os
import subprocess


def archive(name):
    subprocess.call("tar czf backup.tgz " + name, shell=True)


def archive_again(name):
    subprocess.Popen(f"zip -r out.zip {name}", shell=True)


def cleanup(path):
    os.system("rm -rf " + path)


def checked(path):
    subprocess.run(["ls", path])
