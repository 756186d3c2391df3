"""The parts of `bites simulate`: the learners' hidden memory, their behaviour, one
sitting's button presses, and the run's measurements (the loop is `app.simulate`)."""
