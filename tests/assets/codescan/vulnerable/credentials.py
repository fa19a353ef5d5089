"""Secrets written into the source."""

password = "hunter2-super-secret"


def connect(user, password="changeme123"):
    return (user, password)


def admin():
    return connect("admin", password="Adm1nPassw0rd")
