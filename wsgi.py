from review import create_app

app = create_app()
