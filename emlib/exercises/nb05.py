"""stub"""
EXERCISES = []
